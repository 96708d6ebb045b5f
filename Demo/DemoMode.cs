namespace Demo;

/// <summary>What this process runs.</summary>
public enum DemoMode
{
    /// <summary>Backend, server and bots in one process (the default).</summary>
    All,

    /// <summary>Only the dedicated server, waiting for bots from another process.</summary>
    Server,

    /// <summary>Only bots, connecting to a server elsewhere.</summary>
    Client,
}
