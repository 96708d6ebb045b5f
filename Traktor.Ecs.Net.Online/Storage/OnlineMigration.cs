namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>One schema step: a version, a name for the log, and its statements for a given store.</summary>
internal sealed record OnlineMigration(long Version, string Name, Func<OnlineDatabase, IReadOnlyList<string>> Statements);
