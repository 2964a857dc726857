/*
 * wire_int.h - what the files of src/net/wire*.c share and nobody else
 * needs: packing a generated message, and unpacking one within a memory
 * budget (wire.c).
 */
#ifndef HL_WIRE_INT_H
#define HL_WIRE_INT_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What protobuf-c may hold while it unpacks a body of len bytes (wire.c
 * says why). */
#define HL_WIRE_BUDGET(len) (8 * (size_t)(len) + ((size_t)16 << 20))

/* The allocator's state while one body is unpacked. */
typedef struct HlWireBudget {
    size_t left;                /* bytes protobuf-c may still hold */
    int exceeded, nomem;        /* why an allocation failed */
} HlWireBudget;

/* Unpacks body (len bytes) as a d, with protobuf-c's allocations held to
 * HL_WIRE_BUDGET(len).  NULL on failure, the reason in err ("malformed <what>:
 * ..."; HELIOS_NOMEM when malloc failed).  *a and *b belong to the result:
 * free it with protobuf_c_message_free_unpacked(result, a) while they live. */
ProtobufCMessage *hl_wire_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *body,
                                 size_t len, ProtobufCAllocator *a, HlWireBudget *b,
                                 const char *what, hl_err *err);

/* *body (malloc'd) of *len bytes: pm packed.  Over max bytes: HELIOS_MISUSE,
 * "cannot encode <what>: body of N bytes (at most M)". */
int hl_wire_pack(const ProtobufCMessage *pm, size_t max, const char *what, uint8_t **body,
                 size_t *len, hl_err *err);

#endif
