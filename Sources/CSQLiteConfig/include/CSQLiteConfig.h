#ifndef TANDEM_CSQLITECONFIG_H
#define TANDEM_CSQLITECONFIG_H

/// Turns off SQLite's memory statistics for the whole process:
/// `sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)`, which Swift cannot call
/// (it is variadic). With statistics on, every allocation SQLite makes takes
/// one process-wide mutex, which connections on different threads then
/// contend for. Effective only before SQLite initializes (before the
/// process's first connection); returns SQLite's result code (SQLITE_MISUSE
/// once it has initialized, changing nothing).
int tandem_sqlite_disable_memstatus(void);

#endif
