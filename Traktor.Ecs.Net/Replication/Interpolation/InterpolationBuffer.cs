namespace Traktor.Ecs.Net.Replication.Interpolation;

/// <summary>
/// The recent authoritative samples of one component of one remote entity, by server tick, from which
/// a client presents the value at a fractional render tick. Holds a fixed number of samples (no
/// allocation after construction); out-of-order arrivals are inserted in place, duplicates ignored.
/// </summary>
/// <typeparam name="T">The component value type.</typeparam>
public sealed class InterpolationBuffer<T>
    where T : struct
{
    private readonly uint[] ticks;
    private readonly T[] values;
    private int count;

    /// <summary>Creates a buffer.</summary>
    /// <param name="capacity">How many samples to keep (at least 2).</param>
    public InterpolationBuffer(int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ticks = new uint[capacity];
        values = new T[capacity];
    }

    /// <summary>The number of samples held.</summary>
    public int Count => count;

    /// <summary>The newest sample's tick (0 when empty).</summary>
    public uint NewestTick => count == 0 ? 0 : ticks[count - 1];

    /// <summary>Adds a sample. Older than everything held when full, or a duplicate tick: ignored.</summary>
    /// <param name="tick">The server tick of the value.</param>
    /// <param name="value">The value.</param>
    /// <returns>True when the sample was stored.</returns>
    public bool Add(uint tick, in T value)
    {
        int position = count;
        while (position > 0 && IsAfter(ticks[position - 1], tick))
        {
            position--;
        }

        if (position > 0 && ticks[position - 1] == tick)
        {
            return false;
        }

        if (count == ticks.Length)
        {
            if (position == 0)
            {
                return false;
            }

            // Drop the oldest to make room.
            Array.Copy(ticks, 1, ticks, 0, count - 1);
            Array.Copy(values, 1, values, 0, count - 1);
            count--;
            position--;
        }

        Array.Copy(ticks, position, ticks, position + 1, count - position);
        Array.Copy(values, position, values, position + 1, count - position);
        ticks[position] = tick;
        values[position] = value;
        count++;
        return true;
    }

    /// <summary>
    /// Finds the two samples around <paramref name="renderTick"/> and the blend factor between them.
    /// Before the oldest sample: the oldest, alpha 0. After the newest: the newest, alpha 0 (no
    /// extrapolation: a stale value is better than an invented one).
    /// </summary>
    /// <param name="renderTick">The fractional tick to present.</param>
    /// <param name="from">The sample at or before the render tick.</param>
    /// <param name="to">The sample after it (equal to <paramref name="from"/> at the ends).</param>
    /// <param name="alpha">How far from <paramref name="from"/> to <paramref name="to"/>, in [0, 1].</param>
    /// <returns>False when the buffer is empty.</returns>
    public bool TrySample(double renderTick, out T from, out T to, out float alpha)
    {
        if (count == 0)
        {
            from = to = default;
            alpha = 0;
            return false;
        }

        double oldest = ticks[0];
        double relative = renderTick - oldest;
        if (relative <= 0)
        {
            from = to = values[0];
            alpha = 0;
            return true;
        }

        for (int i = 1; i < count; i++)
        {
            double at = oldest + (uint)(ticks[i] - ticks[0]);
            if (renderTick <= at)
            {
                double previous = oldest + (uint)(ticks[i - 1] - ticks[0]);
                from = values[i - 1];
                to = values[i];
                alpha = (float)((renderTick - previous) / (at - previous));
                return true;
            }
        }

        from = to = values[count - 1];
        alpha = 0;
        return true;
    }

    /// <summary>Removes every sample.</summary>
    public void Clear() => count = 0;

    // Wraparound-safe "a is later than b" for 32-bit ticks.
    private static bool IsAfter(uint a, uint b) => (int)(a - b) > 0;
}
