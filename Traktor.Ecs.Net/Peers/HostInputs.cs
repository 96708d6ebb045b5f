using System.Buffers.Binary;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net;

/// <summary>
/// The local player's input commands on a host: every tick, before the server receives, it samples the input for the
/// tick about to be simulated and sends it to the server as a remote client's prediction would (the same message,
/// quantized by the same serializer), so <see cref="ServerInputs{TInput, TSerializer}"/> validates and buffers it like
/// any player's and gameplay reads it with <c>world.GetInput&lt;TInput&gt;(entity)</c>. The host simulates its own
/// player once per tick, with no prediction and no delay. Not a system: it hooks into <see cref="NetworkHost.Sampling"/>.
/// </summary>
/// <typeparam name="TInput">A <c>[NetInput]</c> struct.</typeparam>
/// <typeparam name="TSerializer">Its generated serializer.</typeparam>
public sealed class HostInputs<TInput, TSerializer>
    where TInput : struct
    where TSerializer : struct, IMessageSerializer<TInput>
{
    private readonly NetworkHost host;
    private readonly Func<uint, TInput> sampleInput;
    private readonly byte[] message = new byte[PredictionFormat.MaxMessageBytes];

    /// <summary>Starts sampling the local player's input every tick.</summary>
    /// <param name="host">The host.</param>
    /// <param name="sampleInput">Reads the local player's input for a tick.</param>
    public HostInputs(NetworkHost host, Func<uint, TInput> sampleInput)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(sampleInput);
        this.host = host;
        this.sampleInput = sampleInput;
        host.Sampling += Sample;
    }

    /// <summary>Inputs handed to the server.</summary>
    public long Sent { get; private set; }

    /// <summary>Inputs that did not fit the wire's input size (<c>PredictionFormat.MaxInputBytes</c>) or the local budget.</summary>
    public long Refused { get; private set; }

    /// <summary>Stops sampling.</summary>
    public void Detach() => host.Sampling -= Sample;

    private void Sample()
    {
        if (!host.IsLocalPlayerConnected)
        {
            return;
        }

        uint tick = host.Server.Replication.Tick + 1; // the tick this frame simulates
        var input = sampleInput(tick);
        message[0] = PredictionFormat.InputMessage;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(1), tick);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(5), tick); // the host sees the present: no interpolation delay to rewind
        message[9] = 0;
        message[10] = 1;
        var writer = new BitWriter(message.AsSpan(PredictionFormat.InputHeaderBytes, PredictionFormat.MaxInputBytes));
        TSerializer.Write(ref writer, in input);
        if (writer.IsOverflowed || host.SendFromLocalPlayer(message.AsSpan(0, PredictionFormat.InputHeaderBytes + writer.BytesWritten)) != SendResult.Queued)
        {
            Refused++;
            return;
        }

        Sent++;
    }
}
