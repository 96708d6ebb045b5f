using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// Server authority over inputs: called for every input before it can take effect. Return false to
/// drop it (the tick then repeats the connection's last valid input) and count it against the sender.
/// </summary>
/// <typeparam name="TInput">The input struct.</typeparam>
/// <param name="connection">The sender.</param>
/// <param name="tick">The tick the input is for.</param>
/// <param name="input">The input.</param>
public delegate bool InputValidator<TInput>(ConnectionId connection, uint tick, in TInput input);
