#include "status.h"

#include <stdlib.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "pulumi/errors.pb-c.h"
#include "util/str.h"

int status_pack_init_failed(int code, const char *message, const char *id, const pv *properties,
                            const pv *inputs, uint8_t **out, size_t *outlen)
{
    int rc = -1;
    Pulumirpc__ErrorResourceInitFailed det = PULUMIRPC__ERROR_RESOURCE_INIT_FAILED__INIT;
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    Google__Protobuf__Any *anys[1] = {&any};
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    char *reasons[1] = {(char *)message};
    uint8_t *detbuf = NULL;

    *out = NULL;
    *outlen = 0;
    det.id = (char *)id;
    det.reasons = reasons;
    det.n_reasons = 1;
    if (properties && props_to_struct(properties, &det.properties) != 0)
        goto out;
    if (inputs && props_to_struct(inputs, &det.inputs) != 0)
        goto out;

    size_t dlen = pulumirpc__error_resource_init_failed__get_packed_size(&det);
    detbuf = malloc(dlen ? dlen : 1);
    if (!detbuf)
        goto out;
    pulumirpc__error_resource_init_failed__pack(&det, detbuf);
    any.type_url = STATUS_INIT_FAILED_TYPE_URL;
    any.value.data = detbuf;
    any.value.len = dlen;

    st.code = code;
    st.message = (char *)message;
    st.details = anys;
    st.n_details = 1;
    size_t slen = google__rpc__status__get_packed_size(&st);
    *out = malloc(slen ? slen : 1);
    if (!*out)
        goto out;
    google__rpc__status__pack(&st, *out);
    *outlen = slen;
    rc = 0;
out:
    if (det.properties)
        protobuf_c_message_free_unpacked(&det.properties->base, NULL);
    if (det.inputs)
        protobuf_c_message_free_unpacked(&det.inputs->base, NULL);
    free(detbuf);
    return rc;
}

int status_unpack(const uint8_t *data, size_t len, status_info *out)
{
    int rc = -1;
    char err[256];
    Pulumirpc__ErrorResourceInitFailed *det = NULL;
    memset(out, 0, sizeof(*out));
    Google__Rpc__Status *st = google__rpc__status__unpack(NULL, len, data);
    if (!st)
        return -1;
    out->code = st->code;
    if (!(out->message = str_dup(st->message ? st->message : "")))
        goto out;
    for (size_t i = 0; i < st->n_details; i++) {
        Google__Protobuf__Any *a = st->details[i];
        if (!a->type_url || strcmp(a->type_url, STATUS_INIT_FAILED_TYPE_URL) != 0)
            continue;
        det = pulumirpc__error_resource_init_failed__unpack(NULL, a->value.len, a->value.data);
        if (!det)
            goto out;
        out->has_init_failed = 1;
        if (!(out->id = str_dup(det->id ? det->id : "")))
            goto out;
        if (det->properties &&
            props_from_struct(det->properties, &out->properties, err, sizeof(err)) != 0)
            goto out;
        if (det->inputs && props_from_struct(det->inputs, &out->inputs, err, sizeof(err)) != 0)
            goto out;
        if (det->n_reasons) {
            out->reasons = calloc(det->n_reasons, sizeof(char *));
            if (!out->reasons)
                goto out;
            for (size_t r = 0; r < det->n_reasons; r++) {
                if (!(out->reasons[r] = str_dup(det->reasons[r])))
                    goto out;
                out->nreasons = r + 1;
            }
        }
        break;
    }
    rc = 0;
out:
    if (det)
        pulumirpc__error_resource_init_failed__free_unpacked(det, NULL);
    google__rpc__status__free_unpacked(st, NULL);
    if (rc != 0)
        status_info_free(out);
    return rc;
}

void status_info_free(status_info *s)
{
    free(s->message);
    free(s->id);
    pv_free(s->properties);
    pv_free(s->inputs);
    for (size_t i = 0; i < s->nreasons; i++)
        free(s->reasons[i]);
    free(s->reasons);
    memset(s, 0, sizeof(*s));
}
