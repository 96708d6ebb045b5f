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
    double FireRequestsPerSecond,
    IReadOnlyList<ComponentRate> ComponentBits);

/// <summary>Snapshot bits per second spent on one replicated component type (or on the entity lists).</summary>
/// <param name="Name">The component type's name.</param>
/// <param name="BitsPerSecond">Bits per second over the sample window, all clients together.</param>
public sealed record ComponentRate(string Name, double BitsPerSecond);
