namespace Traktor.Ecs.Net.Online.Storage;

/// <summary>How hard a SQLite commit is pushed to disk.</summary>
public enum SqliteDurability
{
    /// <summary>Every commit is synced: committed writes survive a killed process and a power loss. The default.</summary>
    Full,

    /// <summary>The WAL is synced at checkpoints only: committed writes survive a killed process but the last ones may be lost on power loss. Faster.</summary>
    Normal,
}
