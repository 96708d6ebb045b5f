using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server's short memory of one component (positions, hit shapes) for lag compensation: each
/// tick <see cref="Record"/> stores the value of every matching entity, and a hit test asks where an
/// entity was at the (fractional) tick the shooting client was looking at
/// (<see cref="ServerInputs{TInput,TSerializer}.ViewTick(ConnectionId, Entity)"/>), blending the two ticks around it.
/// Storage is reused; recording allocates nothing once the largest population has been seen.
/// </summary>
/// <typeparam name="T">The recorded component.</typeparam>
public sealed class LagCompensation<T>
    where T : struct
{
    private readonly World world;
    private readonly QueryDescription targets;
    private readonly Func<T, T, float, T> blend;
    private readonly Frame[] frames;

    /// <summary>Creates the history.</summary>
    /// <param name="world">The server world.</param>
    /// <param name="targets">Which entities to remember (it should require <typeparamref name="T"/>).</param>
    /// <param name="blend">Blends two values, for views between ticks.</param>
    /// <param name="historyTicks">How many ticks to keep (the largest rewind allowed).</param>
    public LagCompensation(World world, QueryDescription targets, Func<T, T, float, T> blend, int historyTicks = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyTicks, 2);
        this.world = world;
        this.targets = targets.WithAll<T>();
        this.blend = blend;
        frames = new Frame[historyTicks];
        for (int i = 0; i < frames.Length; i++)
        {
            frames[i] = new Frame();
        }
    }

    /// <summary>How many ticks back a query may reach.</summary>
    public int HistoryTicks => frames.Length;

    /// <summary>Remembers every target's value at <paramref name="tick"/> (call once per server tick, after simulation).</summary>
    /// <param name="tick">The tick just simulated.</param>
    public void Record(uint tick)
    {
        var frame = frames[tick % (uint)frames.Length];
        frame.Begin(tick);
        foreach (ref var chunk in world.Query(in targets))
        {
            var entities = chunk.Entities.AsSpan();
            var values = chunk.GetReadOnlySpan<T>();
            for (int i = 0; i < values.Length; i++)
            {
                frame.Add(entities[i], in values[i]);
            }
        }
    }

    /// <summary>
    /// Where <paramref name="entity"/> was at <paramref name="tick"/> (fractional: between recorded ticks
    /// the two neighbours are blended). False when the tick is older than the history or the entity
    /// did not exist then.
    /// </summary>
    /// <param name="entity">A target.</param>
    /// <param name="tick">The view tick.</param>
    /// <param name="value">The rewound value.</param>
    public bool TryGetAt(Entity entity, double tick, out T value)
    {
        uint before = (uint)Math.Floor(tick);
        float alpha = (float)(tick - before);
        if (!TryGetExact(entity, before, out var from))
        {
            value = default;
            return false;
        }

        if (alpha <= 0 || !TryGetExact(entity, before + 1, out var to))
        {
            value = from;
            return true;
        }

        value = blend(from, to, alpha);
        return true;
    }

    private bool TryGetExact(Entity entity, uint tick, out T value)
    {
        var frame = frames[tick % (uint)frames.Length];
        if (frame.Tick == tick && frame.Valid && frame.Index.TryGetValue(entity, out int index))
        {
            value = frame.Values[index];
            return true;
        }

        value = default;
        return false;
    }

    private sealed class Frame
    {
        public readonly Dictionary<Entity, int> Index = new();
        public T[] Values = new T[64];
        public uint Tick;
        public bool Valid;

        public void Begin(uint tick)
        {
            Tick = tick;
            Valid = true;
            Index.Clear();
        }

        public void Add(Entity entity, in T value)
        {
            int index = Index.Count;
            if (index == Values.Length)
            {
                Array.Resize(ref Values, index * 2);
            }

            Values[index] = value;
            Index[entity] = index;
        }
    }
}
