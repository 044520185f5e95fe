/* advisor_stack: the security advisor's stack-level rules (issue 14).
 *
 * The interface is in advisor.h. The rules that relate resources land here
 * next; until they do, a stack gives no findings of its own (the per-resource
 * rules of advisor_run still run on every resource through both doors). */
#include "resources/advisor.h"

int advisor_stack_run(const advisor_resource *res, size_t n, size_t focus, bool complete,
                      advisor_findings *out)
{
    (void)res;
    (void)n;
    (void)focus;
    (void)complete;
    (void)out;
    return 0;
}
