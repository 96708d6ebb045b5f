using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// Where <see cref="InputWorldExtensions.GetInput{TInput}(World, Entity)"/> finds the tick's input of an
/// entity: the server's <see cref="ServerInputs{TInput, TSerializer}"/> (the input of the entity's
/// <see cref="NetworkOwner"/> for the tick being simulated) or the client's
/// <see cref="ClientPrediction{TInput, TSerializer}"/> (the local player's input for the tick being
/// predicted, for entities tagged <see cref="LocalOwner"/>). Registered as a world resource by either.
/// </summary>
/// <typeparam name="TInput">A <c>[NetInput]</c> struct.</typeparam>
public abstract class InputSource<TInput>
    where TInput : struct
{
    /// <summary>The input driving <paramref name="entity"/> this tick.</summary>
    /// <param name="entity">An entity of the world.</param>
    /// <param name="input">Its input, or default.</param>
    /// <returns>False when no player's input drives the entity (not owned, or owned by someone else on a client).</returns>
    public abstract bool TryGetInput(Entity entity, out TInput input);

    /// <summary>True while a client replays stored inputs after a correction (skip sounds and effects then); always false on the server.</summary>
    public abstract bool IsReplay { get; }

    /// <summary>
    /// True for a client's prediction, which a <see cref="ServerInputs{TInput, TSerializer}"/> of the same world takes over
    /// from while the world hosts (a player's game that hosts a session, or takes it over after a host migration) and hands
    /// back when it is disposed.
    /// </summary>
    internal virtual bool YieldsToServer => false;
}
