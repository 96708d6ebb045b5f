namespace Demo.Telemetry;

/// <summary>One client connection at one moment.</summary>
public sealed record ClientSample(string Name, bool Connected, double RoundTripMs, double LossPercent, double KilobytesInPerSecond, double KilobytesOutPerSecond, int Entities);
