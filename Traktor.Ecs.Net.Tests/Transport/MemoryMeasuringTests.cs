namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>Tests that measure the process's memory or allocations run alone, so parallel tests do not blur the numbers.</summary>
[CollectionDefinition(nameof(MemoryMeasuringTests), DisableParallelization = true)]
public sealed class MemoryMeasuringTests;
