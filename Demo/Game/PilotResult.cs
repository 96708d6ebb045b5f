namespace Demo.Game;

/// <summary>One pilot's match, as the server saw it.</summary>
public sealed record PilotResult(int PilotId, int Score, int Kills, int Deaths, int ShotsFired);
