namespace Traktor.Ecs.Net.Sessions;

/// <summary>What a game-server process announces when it registers.</summary>
/// <param name="Addresses">The "host:port" addresses players reach its UDP port at (1 to 8); they go into connect tokens.</param>
/// <param name="MaxPlayers">Connections it accepts in all (its transport's slots); a session reserves its capacity from this.</param>
/// <param name="MaxSessions">Sessions it hosts at most.</param>
/// <param name="Name">A label for operators (a pod or host name), at most 64 characters.</param>
public sealed record GameServerRegistration(IReadOnlyList<string> Addresses, int MaxPlayers, int MaxSessions, string Name = "");
