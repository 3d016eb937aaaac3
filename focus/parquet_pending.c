/* Parquet is not written yet in this commit: both entry points say so. */
#include "focus/focus_int.h"

focus_status focus_parquet_writer_open(const char *path, const focus_schema *schema,
                                       const focus_writer_options *options,
                                       focus_writer **out_writer, focus_error *error)
{
    (void)schema;
    (void)options;
    (void)out_writer;
    return focus_fail(error, FOCUS_UNSUPPORTED, path, -1, -1, "Parquet writing is not built yet");
}

focus_status focus_parquet_reader_open(const char *path, focus_reader **out_reader,
                                       focus_error *error)
{
    (void)out_reader;
    return focus_fail(error, FOCUS_UNSUPPORTED, path, -1, -1, "Parquet reading is not built yet");
}
