namespace Traktor.Ecs.Net.Tests.Diagnostics;

/// <summary>
/// Tests that count a process-wide instrument exactly where <see cref="MeasurementRecorder.ForThisFlow"/> cannot hear the
/// work (it runs on threads that do not flow the test's context, as Kestrel's request handling does): they run alone,
/// after the parallel tests, so no other test's measurements reach their recorder.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetricsCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = nameof(ProcessWideMetricsCollection);
}
