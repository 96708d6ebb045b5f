namespace Demo.Telemetry;

/// <summary>Everything the dashboard shows and the report charts, at one moment of the run.</summary>
public sealed record TelemetrySample(
    double Seconds,
    IReadOnlyList<ClientSample> Clients,
    IReadOnlyList<SystemSample> ServerSystems,
    double ServerTickMs,
    double ServerKilobytesOutPerSecond,
    double ServerKilobytesInPerSecond,
    int ReplicatedEntities,
    int Asteroids,
    int Bullets,
    int Ships,
    double SnapshotsPerSecond,
    double SnapshotBytesPerSecond,
    double FireRequestsPerSecond);
