/* Fuzz target: the export manifest Cost Management writes beside each run's
 * files (the hand-off trusts nothing in it) — any bytes give a manifest or an
 * error naming the field, never a crash, a leak or a destination outside the
 * hub's layout. */
#include "agent/manifest.h"
#include "fuzz_target.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A "." or ".." folder in the path ("a..b" is a name like any other). */
static bool dot_segment(const char *path)
{
    for (const char *segment = path; segment != NULL;) {
        size_t length = strcspn(segment, "/");
        if ((length == 1 && segment[0] == '.') || (length == 2 && strncmp(segment, "..", 2) == 0))
            return true;
        segment = segment[length] == '/' ? segment + length + 1 : NULL;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* unterminated, as a blob's bytes are */
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    agent_manifest manifest;
    agent_handoff_error error;
    agent_handoff_error_init(&error);
    agent_handoff_status status =
        agent_manifest_parse(text, size, "fuzz/manifest.json", &manifest, &error);
    if (status == AGENT_HANDOFF_OK && !manifest.empty) {
        char folder[1024], file[1024];
        if (agent_manifest_destination(&manifest, folder, sizeof folder) &&
            (folder[0] == '/' || dot_segment(folder)))
            abort(); /* a destination must stay inside the ingestion container */
        for (size_t i = 0; i < manifest.blob_count; i++) {
            if (manifest.blobs[i].name == NULL)
                abort();
            if (agent_manifest_destination_file(manifest.run_id, manifest.blobs[i].name, file,
                                                sizeof file) &&
                strchr(file, '/') != NULL)
                abort(); /* one file name, no folders */
        }
    }
    if (status == AGENT_HANDOFF_OK)
        agent_manifest_dispose(&manifest);
    free(text);
    return 0;
}
