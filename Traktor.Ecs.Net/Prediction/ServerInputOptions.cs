using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>How the server treats player inputs.</summary>
/// <typeparam name="TInput">The input struct.</typeparam>
public sealed class ServerInputOptions<TInput>
{
    /// <summary>Checks every input before it takes effect; null accepts all.</summary>
    public InputValidator<TInput>? Validate { get; set; }

    /// <summary>
    /// The furthest back, in ticks, a client's claimed view may rewind lag compensation. The view tick
    /// comes from the client: without a bound a cheater could shoot at where targets were long ago. 30 by default, 0 to
    /// 1,000 (checked when <see cref="ServerInputs{TInput, TSerializer}"/> is made): a negative value made every rewind throw.
    /// </summary>
    public int MaxRewindTicks { get; set; } = 30;

    /// <summary>Invalid inputs from one connection after which it is disconnected (0: never).</summary>
    public int MaxInvalidInputs { get; set; } = 120;

    /// <summary>The copy the server's inputs keep (<see cref="Validate"/> stays the caller's callback).</summary>
    internal ServerInputOptions<TInput> Snapshot() => (ServerInputOptions<TInput>)MemberwiseClone();
}
