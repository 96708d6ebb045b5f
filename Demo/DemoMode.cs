namespace Demo;

/// <summary>What this process runs.</summary>
public enum DemoMode
{
    /// <summary>Backend, server and bots in one process (the default).</summary>
    All,

    /// <summary>Only the dedicated server, waiting for bots from another process.</summary>
    Server,

    /// <summary>A listen server: the server world with a local pilot playing in it (no network hop), plus bots; other processes join with <c>--client</c>.</summary>
    Host,

    /// <summary>Only bots, connecting to a server elsewhere.</summary>
    Client,

    /// <summary>One game-server process of a fleet: registers with a backend's session directory and hosts the sessions placed on it.</summary>
    GameServer,

    /// <summary>Only a NAT-traversal introducer and relay (<c>--introducer</c>), for <c>--host --nat</c> and <c>--client --nat</c> processes.</summary>
    Introducer,

    /// <summary>The backend in this process, <c>--servers N</c> game-server processes, and bots that find sessions through the directory.</summary>
    Fleet,

    /// <summary>
    /// <c>--backend URL</c> alone: only bots, players of a fleet deployed elsewhere; they log in and quick-join through that
    /// backend and play on whichever of its game servers the directory places them (checks a deployment end to end).
    /// </summary>
    Players,
}
