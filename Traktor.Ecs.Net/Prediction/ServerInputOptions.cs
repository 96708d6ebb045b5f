namespace Traktor.Ecs.Net.Prediction;

/// <summary>How the server treats player inputs.</summary>
/// <typeparam name="TInput">The input struct.</typeparam>
public sealed class ServerInputOptions<TInput>
{
    /// <summary>Checks every input before it takes effect; null accepts all.</summary>
    public InputValidator<TInput>? Validate { get; set; }

    /// <summary>Invalid inputs from one connection after which it is disconnected (0: never).</summary>
    public int MaxInvalidInputs { get; set; } = 120;
}
