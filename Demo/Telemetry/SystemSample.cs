namespace Demo.Telemetry;

/// <summary>One server system's mean cost per tick over a sampling window.</summary>
public sealed record SystemSample(string Name, double Milliseconds, double AllocatedBytes);
