namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// The demo tests run one at a time, alone, after the parallel tests: each plays a real-time game over loopback and
/// some assert its quality (inputs on time, every bot connected), which a two-core machine busy with eight other test
/// threads could not give (a full run at --max-threads 8 failed on "138 late, 293 missing" inputs).
/// </summary>
[CollectionDefinition(nameof(DemoCollection), DisableParallelization = true)]
public sealed class DemoCollection : ICollectionFixture<DemoRunFixture>;
