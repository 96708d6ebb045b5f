using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Builds a <see cref="Measurement{T}"/> around a tag array without copying it. Every public constructor of
/// <see cref="Measurement{T}"/> copies its tags into a new array (dotnet/runtime#89363 asks for a way around it, open
/// as of .NET 10), which made a scrape of 1,000 connections allocate 10,000 tag arrays (560 KB) for tags that do not
/// change from scrape to scrape. The struct's two fields are set directly instead. Should a runtime rename them,
/// <see cref="Shares"/> is false and <see cref="Create"/> falls back to the copying constructor: slower, never wrong
/// (MetricsScrapeTests then fails on the allocation, which is how we would hear of it).
/// </summary>
internal static class MeasurementFields<T> where T : struct
{
    /// <summary>Whether this runtime's <see cref="Measurement{T}"/> has the fields set here (checked once).</summary>
    public static readonly bool Shares = Probe();

    /// <summary>A measurement of <paramref name="value"/> whose tags are <paramref name="tags"/> itself: the caller never changes that array again.</summary>
    public static Measurement<T> Create(T value, KeyValuePair<string, object?>[] tags)
    {
        if (!Shares) return new Measurement<T>(value, tags);
        Measurement<T> measurement = default;
        Tags(ref measurement) = tags;
        Value(ref measurement) = value;
        return measurement;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_tags")]
    private static extern ref KeyValuePair<string, object?>[] Tags(ref Measurement<T> measurement);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "<Value>k__BackingField")]
    private static extern ref T Value(ref Measurement<T> measurement);

    private static bool Probe()
    {
        try
        {
            KeyValuePair<string, object?>[] tags = [new("probe", 1)];
            Measurement<T> measurement = default;
            Tags(ref measurement) = tags;
            Value(ref measurement) = default;
            // The tags must read back as the very array: anything else means the fields are not what they were.
            return measurement.Tags.Length == 1 && Unsafe.AreSame(ref Unsafe.AsRef(in measurement.Tags[0]), ref tags[0]);
        }
        catch (MissingMemberException)
        {
            return false;
        }
    }
}
