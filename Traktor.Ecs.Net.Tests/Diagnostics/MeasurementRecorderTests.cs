using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Tests.Diagnostics;

/// <summary>
/// <see cref="MeasurementRecorder.ForThisFlow"/> hears what the test's own flow measures, however it gets there (awaits,
/// tasks, timers it creates), and nothing measured by work another test started: the exact counts that rely on it
/// (the opening-failures test) must not be fed by hosts of other tests.
/// </summary>
public sealed class MeasurementRecorderTests
{
    [Fact]
    public async Task A_recorder_for_this_flow_hears_its_own_work_and_not_work_another_test_started()
    {
        using var meter = new Meter("Traktor.Ecs.Net.Tests.RecorderFlow." + Guid.NewGuid().ToString("N"));
        var counter = meter.CreateCounter<long>("traktor.tests.flow");
        // Work another test started before this one: its context was captured without this test's recorder in it.
        var cancel = TestContext.Current.CancellationToken;
        using var others = new SemaphoreSlim(0);
        Task other;
        using (ExecutionContext.SuppressFlow())
        {
            other = Task.Run(async () =>
            {
                await others.WaitAsync(cancel);
                counter.Add(1000);
            }, cancel);
        }

        using var everything = new MeasurementRecorder(meter.Name);
        using var recorder = MeasurementRecorder.ForThisFlow(meter.Name);
        counter.Add(1);
        await Task.Run(() => counter.Add(10), cancel);
        await Task.Yield();
        counter.Add(100);
        others.Release();
        await other;

        Assert.Equal([1, 10, 100], recorder.Of("traktor.tests.flow").Select(m => m.Value));
        Assert.Equal(1111, everything.Of("traktor.tests.flow").Sum(m => m.Value));
    }

    /// <summary>
    /// Failed before (review44): the flow held one recorder, so a second made in the same test muted the first, and
    /// disposing it left the flow with none (the first heard nothing after).
    /// </summary>
    [Fact]
    public void A_recorder_made_inside_another_flow_recorder_mutes_neither()
    {
        using var meter = new Meter("Traktor.Ecs.Net.Tests.RecorderNesting." + Guid.NewGuid().ToString("N"));
        var counter = meter.CreateCounter<long>("traktor.tests.nesting");
        using var outer = MeasurementRecorder.ForThisFlow(meter.Name);
        counter.Add(1);
        using (var inner = MeasurementRecorder.ForThisFlow(meter.Name))
        {
            counter.Add(10);
            Assert.Equal([10], inner.Of("traktor.tests.nesting").Select(m => m.Value));
        }

        counter.Add(100);
        Assert.Equal([1, 10, 100], outer.Of("traktor.tests.nesting").Select(m => m.Value));
    }
}
