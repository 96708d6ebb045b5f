namespace Demo.Telemetry;

/// <summary>One client connection at one moment; <paramref name="Corrections"/> counts prediction replays that moved the ship so far.</summary>
public sealed record ClientSample(string Name, bool Connected, double RoundTripMs, double LossPercent, double KilobytesInPerSecond, double KilobytesOutPerSecond, int Entities, long Corrections);
