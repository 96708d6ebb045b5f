using System.Numerics;
using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// Hides small prediction corrections: when a replay moves a predicted entity, the jump becomes an
/// offset that decays over a short time, so the player sees a glide instead of a snap. Jumps longer
/// than <see cref="SnapDistance"/> (a teleport, a large misprediction) are shown at once.
/// </summary>
public abstract class PredictionSmoothing
{
    private readonly Dictionary<Entity, Vector3> offsets = new();
    private readonly List<Entity> keys = new();

    /// <summary>Creates the smoothing.</summary>
    /// <param name="snapDistance">Corrections longer than this are not smoothed.</param>
    /// <param name="halfLifeSeconds">How fast a smoothed offset shrinks.</param>
    /// <param name="minimumCorrection">Shorter jumps are ignored (set it above the position's quantization step).</param>
    protected PredictionSmoothing(float snapDistance, float halfLifeSeconds, float minimumCorrection)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(snapDistance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(halfLifeSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumCorrection);
        SnapDistance = snapDistance;
        HalfLifeSeconds = halfLifeSeconds;
        MinimumCorrection = minimumCorrection;
    }

    /// <summary>
    /// Jumps shorter than this are not corrections: a replay from a quantized authoritative state
    /// lands within one quantization step of the unquantized prediction.
    /// </summary>
    public float MinimumCorrection { get; }

    /// <summary>Corrections longer than this are shown at once.</summary>
    public float SnapDistance { get; }

    /// <summary>The time in which a smoothed offset halves.</summary>
    public float HalfLifeSeconds { get; }

    /// <summary>Corrections seen (replays that moved a predicted entity).</summary>
    public long Corrections { get; private set; }

    /// <summary>Corrections too long to smooth.</summary>
    public long Snaps { get; private set; }

    /// <summary>The offset to add to an entity's predicted position when drawing it (zero when none).</summary>
    /// <param name="entity">A predicted entity.</param>
    public Vector3 OffsetOf(Entity entity) => offsets.GetValueOrDefault(entity);

    /// <summary>Reads the smoothed position of an entity, or null when it lacks the component.</summary>
    internal abstract Vector3? Read(World world, Entity entity);

    internal void Correct(Entity entity, Vector3 before, Vector3 after)
    {
        var jump = before - after;
        if (jump.Length() <= MinimumCorrection)
        {
            return;
        }

        Corrections++;
        var offset = OffsetOf(entity) + jump;
        if (offset.Length() > SnapDistance)
        {
            Snaps++;
            offsets.Remove(entity);
            return;
        }

        offsets[entity] = offset;
    }

    internal void Decay(float deltaTime)
    {
        float keep = MathF.Pow(0.5f, deltaTime / HalfLifeSeconds);
        keys.Clear();
        keys.AddRange(offsets.Keys);
        foreach (var entity in keys)
        {
            var next = offsets[entity] * keep;
            if (next.LengthSquared() < 1e-8f)
            {
                offsets.Remove(entity);
            }
            else
            {
                offsets[entity] = next;
            }
        }
    }
}

/// <summary>Smoothing over a position component of type <typeparamref name="TPosition"/>.</summary>
/// <typeparam name="TPosition">The predicted position component.</typeparam>
/// <param name="read">Its position in world space.</param>
/// <param name="snapDistance">Corrections longer than this are not smoothed.</param>
/// <param name="halfLifeSeconds">How fast a smoothed offset shrinks.</param>
/// <param name="minimumCorrection">Shorter jumps are ignored (set it above the position's quantization step).</param>
public sealed class PredictionSmoothing<TPosition>(Func<TPosition, Vector3> read, float snapDistance, float halfLifeSeconds = 0.1f, float minimumCorrection = 0.001f)
    : PredictionSmoothing(snapDistance, halfLifeSeconds, minimumCorrection)
    where TPosition : struct
{
    internal override Vector3? Read(World world, Entity entity) =>
        world.TryGet<TPosition>(entity, out var position) ? read(position) : null;
}
