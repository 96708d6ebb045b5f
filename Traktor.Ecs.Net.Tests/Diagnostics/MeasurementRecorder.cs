using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Tests.Diagnostics;

/// <summary>One measurement a <see cref="MeasurementRecorder"/> heard: the instrument, its meter, the value and the tags.</summary>
public sealed record RecordedMeasurement(string Meter, string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>The instrument, the value and every tag, for a failing assertion's message.</summary>
    public override string ToString() => $"{Instrument} {Value} {{{string.Join(", ", Tags.Select(tag => $"{tag.Key}={tag.Value}"))}}}";
}

/// <summary>
/// Records every measurement of the named meters' instruments while it lives, tags included. The meters are static and
/// shared: other tests running in parallel feed them too, so a test looks for its own measurements among the rest (and a
/// rule every measurement must follow, such as the tag names, holds for those too), or records only its own with
/// <see cref="ForThisFlow"/>.
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    /// <summary>
    /// The recorder whose test's execution context this is: set by <see cref="ForThisFlow"/>, it flows into whatever that
    /// test starts (awaits, tasks, timers created there) and into nothing another test started.
    /// </summary>
    private static readonly AsyncLocal<MeasurementRecorder?> Flow = new();

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();
    private readonly bool _thisFlowOnly;
    private MeasurementRecorder? _outer; // the flow's recorder when this one was made: both hear the flow, and it is restored

    /// <summary>Starts recording the instruments of <paramref name="meters"/>, those already created and those to come.</summary>
    public MeasurementRecorder(params string[] meters)
        : this(false, meters)
    {
    }

    private MeasurementRecorder(bool thisFlowOnly, string[] meters)
    {
        _thisFlowOnly = thisFlowOnly;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meters.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>
    /// Records only the measurements made in the calling test's own execution context and what it flows into: the work
    /// the test runs or starts itself, not the background work of hosts other tests (earlier ones included) left running.
    /// Work on threads that do not flow the context (Kestrel's request handling) is not heard: for those, run the test in a
    /// collection of its own instead. Call it from the test method itself (not from a helper that is <c>async</c>, whose
    /// context ends with it).
    /// </summary>
    public static MeasurementRecorder ForThisFlow(params string[] meters)
    {
        var recorder = new MeasurementRecorder(true, meters) { _outer = Flow.Value };
        Flow.Value = recorder;
        return recorder;
    }

    /// <summary>Everything recorded so far, in order.</summary>
    public IReadOnlyList<RecordedMeasurement> Measurements => [.. _measurements];

    /// <summary>The measurements of one instrument.</summary>
    public IReadOnlyList<RecordedMeasurement> Of(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument)];

    /// <summary>The tag names used by any measurement that do not follow the project's <c>traktor.</c> convention.</summary>
    public IReadOnlyList<string> UnconventionalTags() =>
        [.. _measurements.SelectMany(m => m.Tags.Keys.Where(key => !key.StartsWith("traktor.", StringComparison.Ordinal)).Select(key => $"{m.Instrument}: {key}")).Distinct()];

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Dispose();
        if (Flow.Value == this)
        {
            Flow.Value = _outer;
        }
    }

    // True when the recorder of the flow measuring now is this one, or one made inside this one's flow.
    private bool InThisFlow()
    {
        for (var recorder = Flow.Value; recorder is not null; recorder = recorder._outer)
        {
            if (recorder == this)
            {
                return true;
            }
        }

        return false;
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_thisFlowOnly && !InThisFlow())
        {
            return;
        }

        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new RecordedMeasurement(instrument.Meter.Name, instrument.Name, value, copy));
    }
}
