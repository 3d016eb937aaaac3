/* arm/blob.h: the project's Azure Blob Storage client (Azure and Azurite): Shared Key or bearer
 * auth, streamed block-blob upload/download, list, delete, server-side copy, conditions, leases. */
#ifndef HUBAGENT_ARM_BLOB_H
#define HUBAGENT_ARM_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arm/error.h"
#include "arm/http.h"
#include "arm/retry.h"

#define ARM_BLOB_STORAGE_RESOURCE "https://storage.azure.com/"

typedef struct arm_blob_options {
    /* "https://acct.blob.core.windows.net" (account style) or, for Azurite,
     * "http://127.0.0.1:PORT/devstoreaccount1" (path style: the account is the first path
     * segment). No trailing slash needed. */
    const char *endpoint;
    const char *account;              /* NULL = taken from the endpoint */
    const char *shared_key;           /* base64 account key, or NULL … */
    const arm_token_provider *tokens; /* … for bearer auth (resource https://storage.azure.com/) */
    const char *api_version;          /* x-ms-version, default "2021-08-06" */
    size_t block_size;                /* block-list chunk, default 8 MiB */
    uint64_t single_put_max;          /* larger uploads use blocks; default 32 MiB */
    int parallel_blocks;              /* blocks in flight at once, default 4 */
    double copy_wait_max_s;           /* waiting for a pending copy, default 3600 */
    const arm_retry_policy *retry;    /* NULL = default (its clock also paces copy polls) */
} arm_blob_options;

arm_blob_options arm_blob_options_default(void);

typedef struct arm_blob_client arm_blob_client;

/* The http client is borrowed (must outlive the blob client); options strings are copied. */
arm_status arm_blob_client_new(arm_http_client *http, const arm_blob_options *opts,
                               arm_blob_client **out, arm_error *err);
void arm_blob_client_free(arm_blob_client *client);

/* Properties from HEAD, PUT and list replies (fields absent from a reply stay empty/0). */
typedef struct arm_blob_properties {
    char etag[80]; /* with its quotes, as sent: usable in If-Match */
    uint64_t content_length;
    char content_type[128];
    char last_modified[40];
    char lease_state[16]; /* available, leased, expired, breaking, broken */
    char copy_status[16]; /* pending, success, aborted, failed */
    char copy_id[64];
    char copy_progress[48];
} arm_blob_properties;

/* Conditions and lease for a write/read/delete. All optional. */
typedef struct arm_blob_conditions {
    const char *if_match;      /* an ETag: act only if unchanged */
    const char *if_none_match; /* "*": create only, never overwrite */
    const char *lease_id;      /* required when the blob is leased */
} arm_blob_conditions;

/* Creates a container; an existing one is fine (*out_created = false). out_created may be
 * NULL. */
arm_status arm_blob_create_container(arm_blob_client *client, const char *container,
                                     bool *out_created, arm_error *err);
arm_status arm_blob_delete_container(arm_blob_client *client, const char *container,
                                     arm_error *err);

/* Where upload bytes come from: memory, a file, or a read callback with a known length. */
typedef struct arm_blob_source {
    const void *data; /* memory … */
    size_t data_len;
    const char *path;          /* … or a file … */
    arm_http_read_fn read;     /* … or a callback delivering exactly `length` bytes */
    arm_http_rewind_fn rewind; /* lets a single-shot upload be retried */
    void *ctx;
    uint64_t length;
} arm_blob_source;

/* Uploads a block blob, single shot up to single_put_max, else in blocks of block_size (at
 * most parallel_blocks × block_size bytes in memory). content_type may be NULL. */
arm_status arm_blob_put(arm_blob_client *client, const char *container, const char *blob,
                        const arm_blob_source *source, const char *content_type,
                        const arm_blob_conditions *conditions, arm_blob_properties *out_props,
                        arm_error *err);

/* Where download bytes go: a file (written to PATH.partial, renamed on success) or a
 * callback. range_length 0 = to the end. */
typedef struct arm_blob_sink {
    const char *path;
    arm_http_write_fn write;
    arm_http_rewind_fn rewind; /* lets a failed download restart; without it no retry
                                  happens once bytes were delivered */
    void *ctx;
    uint64_t range_start;
    uint64_t range_length;
} arm_blob_sink;

arm_status arm_blob_get(arm_blob_client *client, const char *container, const char *blob,
                        const arm_blob_sink *sink, const arm_blob_conditions *conditions,
                        arm_blob_properties *out_props, arm_error *err);

/* Whole small blob into memory (NUL-terminated, malloc'd), capped by the http client. */
arm_status arm_blob_get_bytes(arm_blob_client *client, const char *container, const char *blob,
                              char **out_data, size_t *out_len, arm_error *err);

arm_status arm_blob_head(arm_blob_client *client, const char *container, const char *blob,
                         arm_blob_properties *out_props, arm_error *err);

arm_status arm_blob_delete(arm_blob_client *client, const char *container, const char *blob,
                           const arm_blob_conditions *conditions, arm_error *err);

typedef struct arm_blob_item {
    char *name;
    arm_blob_properties props;
} arm_blob_item;

typedef struct arm_blob_list_page {
    arm_blob_item *items;
    size_t count;
    char *next_marker; /* NULL when this was the last page */
} arm_blob_list_page;

void arm_blob_list_page_init(arm_blob_list_page *page);
void arm_blob_list_page_dispose(arm_blob_list_page *page);

/* One page of blobs whose names start with prefix (may be NULL), from marker (NULL = the
 * start); max_results 0 = service default (5000). Loop while page.next_marker != NULL. */
arm_status arm_blob_list(arm_blob_client *client, const char *container, const char *prefix,
                         const char *marker, int max_results, arm_blob_list_page *out_page,
                         arm_error *err);

/* The URL of a blob (for x-ms-copy-source and logs), malloc'd. */
char *arm_blob_url(const arm_blob_client *client, const char *container, const char *blob);

/* Server-side copy from source_url into container/blob; waits while the copy is pending
 * (polling HEAD) unless wait is false. out_props gets the final copy status. */
arm_status arm_blob_copy(arm_blob_client *client, const char *container, const char *blob,
                         const char *source_url, bool wait, arm_blob_properties *out_props,
                         arm_error *err);

/* Leases for one-writer guarantees. duration_s: 15–60, or -1 for infinite. proposed_id may
 * be NULL. out_lease_id receives the lease GUID. */
arm_status arm_blob_lease_acquire(arm_blob_client *client, const char *container, const char *blob,
                                  int duration_s, const char *proposed_id, char out_lease_id[64],
                                  arm_error *err);
arm_status arm_blob_lease_renew(arm_blob_client *client, const char *container, const char *blob,
                                const char *lease_id, arm_error *err);
arm_status arm_blob_lease_release(arm_blob_client *client, const char *container, const char *blob,
                                  const char *lease_id, arm_error *err);

#endif
