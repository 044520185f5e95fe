/* The floor of any process start: exec, print a line, exit. */
#include <stdio.h>

int main(void)
{
    puts("0");
    return 0;
}
