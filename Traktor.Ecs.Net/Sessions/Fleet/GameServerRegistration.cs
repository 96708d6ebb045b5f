namespace Traktor.Ecs.Net.Sessions;

/// <summary>What a game-server process announces when it registers.</summary>
/// <param name="Addresses">
/// Where players reach it (1 to 8, distinct), in the order they try them; they go into connect tokens. An IP literal and a
/// port, UDP unless prefixed (<c>"203.0.113.7:27960"</c>, then <c>"ws://203.0.113.7:443"</c> or <c>"tcp://…"</c> when it
/// also listens on a stream transport for players whose network blocks UDP); as <see cref="NetAddress.ToString"/> writes them.
/// </param>
/// <param name="MaxPlayers">Connections it accepts in all (its transport's slots); a session reserves its capacity from this.</param>
/// <param name="MaxSessions">Sessions it hosts at most.</param>
/// <param name="Name">A label for operators (a pod or host name), at most 64 characters.</param>
public sealed record GameServerRegistration(IReadOnlyList<string> Addresses, int MaxPlayers, int MaxSessions, string Name = "");
