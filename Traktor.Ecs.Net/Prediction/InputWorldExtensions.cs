using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// One call for a simulation system to read the tick's input, the same on the server and in the client's
/// prediction group, so one system class serves both (Photon Fusion's <c>GetInput&lt;T&gt;()</c>).
/// </summary>
public static class InputWorldExtensions
{
    /// <summary>The input driving <paramref name="entity"/> this tick, or default when none does.</summary>
    /// <typeparam name="TInput">A <c>[NetInput]</c> struct.</typeparam>
    /// <param name="world">A server world with <see cref="ServerInputs{TInput, TSerializer}"/> or a client world with <see cref="ClientPrediction{TInput, TSerializer}"/>.</param>
    /// <param name="entity">The entity being simulated.</param>
    /// <returns>Its input.</returns>
    /// <exception cref="InvalidOperationException">Neither registered an input source for <typeparamref name="TInput"/>.</exception>
    public static TInput GetInput<TInput>(this World world, Entity entity)
        where TInput : struct
    {
        SourceOf<TInput>(world).TryGetInput(entity, out var input);
        return input;
    }

    /// <summary>
    /// The input driving <paramref name="entity"/> this tick. False when no player's input drives it: on the
    /// server, the entity has no <see cref="NetworkOwner"/> or its owner is not connected; on a client, the
    /// entity is not tagged <see cref="LocalOwner"/> (remote entities are interpolated, not simulated).
    /// </summary>
    /// <typeparam name="TInput">A <c>[NetInput]</c> struct.</typeparam>
    /// <param name="world">The world.</param>
    /// <param name="entity">The entity being simulated.</param>
    /// <param name="input">Its input, or default.</param>
    /// <returns>True when a player's input drives the entity.</returns>
    /// <exception cref="InvalidOperationException">No input source for <typeparamref name="TInput"/> is registered.</exception>
    public static bool TryGetInput<TInput>(this World world, Entity entity, out TInput input)
        where TInput : struct =>
        SourceOf<TInput>(world).TryGetInput(entity, out input);

    /// <summary>True while a client re-simulates stored inputs after a correction: play sounds and spawn effects only when false.</summary>
    /// <typeparam name="TInput">The input struct of the prediction.</typeparam>
    /// <param name="world">The world.</param>
    /// <returns>True during a replay.</returns>
    public static bool IsReplaying<TInput>(this World world)
        where TInput : struct =>
        SourceOf<TInput>(world).IsReplay;

    private static InputSource<TInput> SourceOf<TInput>(World world)
        where TInput : struct =>
        world.Resources.TryGet<InputSource<TInput>>(out var source)
            ? source
            : throw new InvalidOperationException(
                $"No input source for {typeof(TInput).Name}: create ServerInputs<{typeof(TInput).Name}, …> for the server world or ClientPrediction<{typeof(TInput).Name}, …> for a client world first.");
}
