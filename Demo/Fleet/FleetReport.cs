namespace Demo.Fleet;

/// <summary>What the fleet run shows and reports: its game-server processes, where the sessions ran, and what the chaos did.</summary>
/// <param name="Servers">Every game-server process, at the end of the run.</param>
/// <param name="Sessions">The sessions live at the end of play, with their server and players.</param>
/// <param name="BotsPlaying">Bots connected to a session that the directory lists as live with them as members, at the end of play.</param>
/// <param name="FailedJoins">Quick-joins that failed and were tried again.</param>
/// <param name="Chaos">The SIGKILL and what became of the killed server's players, or null without <c>--chaos</c>.</param>
/// <param name="ServerNamesMissing">For a fleet deployed elsewhere whose server names could not be read: why the sessions' servers are shown by id.</param>
/// <param name="Ends">The sessions that ended under the bots while they played and their rejoins (null: not counted).</param>
public sealed record FleetReport(
    IReadOnlyList<FleetServerRow> Servers,
    IReadOnlyList<FleetSessionRow> Sessions,
    int BotsPlaying,
    int FailedJoins,
    ChaosReport? Chaos,
    string? ServerNamesMissing = null,
    SessionEnds? Ends = null);

/// <summary>One game-server process as the dashboard and the report show it.</summary>
/// <param name="Name">Its label.</param>
/// <param name="ServerId">Its id in the fleet.</param>
/// <param name="ProcessId">Its process id.</param>
/// <param name="State">starting, live, killed, drained, or exited.</param>
/// <param name="Sessions">Sessions it hosts (last status line).</param>
/// <param name="Players">Players connected to it (last status line).</param>
/// <param name="TickMs">Mean tick time over its last heartbeat interval, all sessions together.</param>
/// <param name="MeanTickMs">Mean of its tick times while it hosted sessions.</param>
/// <param name="PeakTickMs">Largest tick time it reported.</param>
/// <param name="PeakSessions">Most sessions it hosted at once.</param>
/// <param name="HeartbeatFailures">Heartbeats that failed.</param>
public sealed record FleetServerRow(string Name, string? ServerId, int ProcessId, string State, int Sessions, int Players, double TickMs,
    double MeanTickMs, double PeakTickMs, int PeakSessions, long HeartbeatFailures);

/// <summary>One live session at the end of play.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Server">The label of the server hosting it: its name (a fleet deployed elsewhere: "name (id)", or the id when its name is unknown).</param>
/// <param name="Players">Its members.</param>
/// <param name="MaxPlayers">Its capacity.</param>
public sealed record FleetSessionRow(string SessionId, string Server, int Players, int MaxPlayers);

/// <summary>The chaos: one game-server process killed with SIGKILL mid-run.</summary>
/// <param name="Server">The killed server's label.</param>
/// <param name="ServerId">Its fleet id.</param>
/// <param name="KilledAtSeconds">Run seconds at the kill.</param>
/// <param name="BudgetSeconds">The stated time for its players to be told and playing in another session.</param>
/// <param name="Players">What each of its players saw.</param>
public sealed record ChaosReport(string Server, string ServerId, double KilledAtSeconds, double BudgetSeconds, IReadOnlyList<ChaosPlayer> Players)
{
    /// <summary>Every player was told the session ended because its server was lost and plays again within the budget.</summary>
    public bool Recovered => Players.Count > 0 && Players.All(p => p.Recovered);
}

/// <summary>One player of the killed server.</summary>
/// <param name="Bot">The bot.</param>
/// <param name="Reason">Why it was told its session ended (the directory's typed reason), or null if it never was.</param>
/// <param name="ToldAfterSeconds">Seconds from the kill to being told, or null.</param>
/// <param name="PlayingAgainAfterSeconds">Seconds from the kill to being connected in another session, or null.</param>
/// <param name="NewServer">The label of the server it plays on now.</param>
/// <param name="BudgetSeconds">The stated time.</param>
public sealed record ChaosPlayer(string Bot, string? Reason, double? ToldAfterSeconds, double? PlayingAgainAfterSeconds, string? NewServer, double BudgetSeconds)
{
    /// <summary>Told <c>ServerLost</c> and playing elsewhere within the budget.</summary>
    public bool Recovered => Reason == "ServerLost" && PlayingAgainAfterSeconds is { } back && back <= BudgetSeconds;
}
