/*
 * checkpoint.h - a training run's state in a file, to go on from later.
 *
 * The file (format version 1), all integers little-endian:
 *
 *   offset  size  field
 *        0     8  magic "HLCKPT\r\n"
 *        8     4  format version (1)
 *       12     4  flags (0)
 *       16     8  payload size in bytes, uncompressed
 *       24     8  compressed size in bytes (the zstd frame that follows)
 *       32    32  SHA-256 of the uncompressed payload
 *       64     -  the payload, one zstd frame
 *
 * The payload: a JSON object (the model's name, the run's effective
 * options, encoding plan and model spec, the rounds done and planned, the
 * numbers of parameters and of server state values), a NUL byte, then the
 * parameters and the server optimizer state as little-endian IEEE-754
 * binary64 values.  Reading checks the magic, the version, both sizes and
 * the checksum, and says which check failed; a file is written to a
 * temporary name and renamed, so a crash never leaves half a checkpoint.
 */
#ifndef HL_CHECKPOINT_H
#define HL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct HlCkpt {
    char *model;                /* owned */
    char *options, *plan, *spec;    /* owned JSON text */
    int64_t rounds_done, rounds_planned;
    double *params;             /* owned */
    size_t nparams;
    double *state;              /* owned, may be NULL */
    size_t nstate;
} HlCkpt;

void hl_ckpt_clear(HlCkpt *c);

/* Writes c to path.  An existing file is an error unless overwrite.
 * *size (may be NULL) gets the file's size, checksum (65 bytes, may be
 * NULL) the payload's SHA-256 in hex. */
int hl_ckpt_write(const char *path, const HlCkpt *c, int overwrite, int64_t *size,
                  char *checksum, hl_err *err);

/* Reads path into *c (which it initializes; clear it even on failure). */
int hl_ckpt_read(const char *path, HlCkpt *c, hl_err *err);

#endif
