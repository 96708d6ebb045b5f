namespace Demo.Game;

/// <summary>One pilot's match, as the server saw it; <paramref name="Name"/> is filled in where the account is known.</summary>
public sealed record PilotResult(int PilotId, int Score, int Kills, int Deaths, int ShotsFired, string Name = "");
