using System.Data.Common;

namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>
/// One schema step: a version, a name for the log, its statements for a given store, and optionally a data step in
/// C# that runs after the statements in the same transaction (for what SQL cannot compute in both databases alike,
/// such as Unicode normalization).
/// </summary>
internal sealed record OnlineMigration(
    long Version,
    string Name,
    Func<OnlineDatabase, IReadOnlyList<string>> Statements,
    Func<DbConnection, DbTransaction, CancellationToken, Task>? Data = null);
