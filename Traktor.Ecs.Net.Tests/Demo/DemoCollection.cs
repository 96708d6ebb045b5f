namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>The demo tests run one at a time: each plays a real-time game over loopback UDP and shares two cores.</summary>
[CollectionDefinition(nameof(DemoCollection))]
public sealed class DemoCollection : ICollectionFixture<DemoRunFixture>;
