using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// What the client's prediction systems read while they run: the tick being simulated, the local
/// player's input for it, and whether this is a replay after a correction (systems that spawn
/// effects or play sounds should skip replays). A resource of the client world.
/// </summary>
/// <typeparam name="TInput">The input struct.</typeparam>
public sealed class PredictionContext<TInput>
    where TInput : struct
{
    internal PredictionContext(float deltaTime)
    {
        DeltaTime = deltaTime;
    }

    /// <summary>The tick being simulated.</summary>
    public uint Tick { get; internal set; }

    /// <summary>The local player's input for <see cref="Tick"/>.</summary>
    public TInput Input { get; internal set; }

    /// <summary>True while inputs are being replayed from an authoritative state.</summary>
    public bool IsReplay { get; internal set; }

    /// <summary>The length of one tick in seconds.</summary>
    public float DeltaTime { get; }
}
