namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The tests that run fleets of real processes (a backend, game-server processes, players over loopback) run alone, after
/// the parallel tests: their liveness windows (heartbeats, dead timeouts, connection timeouts) are real time, and on a
/// 2-core machine several fleets at once, or a fleet beside the 200-thread contract tests, starve each other's processes.
/// </summary>
[CollectionDefinition(nameof(FleetProcessCollection), DisableParallelization = true)]
public sealed class FleetProcessCollection;
