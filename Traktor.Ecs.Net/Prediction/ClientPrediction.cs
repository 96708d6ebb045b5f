using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication.Timing;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;
using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net;

/// <summary>
/// Client-side prediction with input commands. Every client tick it samples the local player's
/// input, stamps it with the tick, sends it (with the previous few, against loss) and runs the
/// prediction group, so owned entities move at once. When a snapshot arrives it resets predicted
/// components to the server's state and replays the stored inputs since then through the same group.
/// The client's tick runs ahead of the server by half the RTT plus a small input buffer; the server
/// reports how much input it holds and the client speeds up or slows down slightly to keep it near
/// the target (time dilation), predicts at the server's measured tick rate (a server that cannot keep
/// its nominal rate would otherwise be outrun), jumps ahead when its inputs arrive late and holds
/// still when they arrive far too early. Add it to the client group after <see cref="NetworkClient"/>.
/// </summary>
/// <typeparam name="TInput">A <c>[NetInput]</c> struct.</typeparam>
/// <typeparam name="TSerializer">Its generated serializer.</typeparam>
public sealed partial class ClientPrediction<TInput, TSerializer> : InputSource<TInput>, ISystem<float>
    where TInput : struct
    where TSerializer : struct, IMessageSerializer<TInput>
{
    private readonly NetworkClient client;
    private readonly Group<float> simulation;
    private readonly QueryDescription predicted;
    private readonly Func<uint, TInput> sampleInput;
    private readonly ClientPredictionOptions options;
    private readonly TickClock clock;
    private readonly InputHistory<TInput> history = new();
    private readonly byte[] message = new byte[PredictionFormat.MaxMessageBytes];
    private readonly Dictionary<Entity, Vector3> beforeReplay = new();
    private readonly float deltaTime;
    private bool started;
    private uint rolledBackAt;
    private uint rememberedAt;
    private double lastSeconds;
    private uint ignoreStatusBefore;
    private int holdTicks;
    private double clockTicks;
    private readonly ServerPace pace;

    /// <summary>Creates the prediction system for the entities this client owns (<see cref="LocalOwner"/>).</summary>
    /// <param name="client">The client plugin.</param>
    /// <param name="simulation">The predicted-simulation group: systems that read <c>world.GetInput&lt;TInput&gt;(entity)</c>.</param>
    /// <param name="sampleInput">Reads the local player's input for a tick.</param>
    /// <param name="tickRate">The server's tick rate, 1 to <see cref="ServerReplicationOptions.TickRateLimit"/> Hz.</param>
    /// <param name="options">Buffering, redundancy and smoothing.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tickRate"/> is out of that range.</exception>
    public ClientPrediction(NetworkClient client, Group<float> simulation, Func<uint, TInput> sampleInput, int tickRate = 60, ClientPredictionOptions? options = null)
        : this(client, simulation, new QueryDescription().WithAll<LocalOwner>(), sampleInput, tickRate, options)
    {
    }

    /// <summary>Creates the prediction system.</summary>
    /// <param name="client">The client plugin.</param>
    /// <param name="simulation">The systems that simulate predicted entities (they read <c>world.GetInput&lt;TInput&gt;(entity)</c> or <see cref="Context"/>).</param>
    /// <param name="predicted">Which entities are predicted (typically those the local player owns).</param>
    /// <param name="sampleInput">Reads the local player's input for a tick.</param>
    /// <param name="tickRate">The server's tick rate, 1 to <see cref="ServerReplicationOptions.TickRateLimit"/> Hz.</param>
    /// <param name="options">Buffering, redundancy and smoothing.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tickRate"/> is out of that range.</exception>
    public ClientPrediction(
        NetworkClient client,
        Group<float> simulation,
        QueryDescription predicted,
        Func<uint, TInput> sampleInput,
        int tickRate = 60,
        ClientPredictionOptions? options = null)
    {
        this.client = client;
        this.simulation = simulation;
        this.predicted = predicted.WithAll<NetworkId>();
        this.sampleInput = sampleInput;
        this.options = options?.Snapshot() ?? new ClientPredictionOptions(); // a copy: later changes cannot undo the checks
        this.options.Validate();
        clock = new TickClock(tickRate);
        pace = new ServerPace();
        deltaTime = 1f / tickRate;
        Context = new PredictionContext<TInput>(deltaTime);
        client.World.Resources.Add(Context);
        client.World.Resources.Add<InputSource<TInput>>(this);
        client.RegisterHandler(PredictionFormat.InputStatusMessage, OnStatus);
        client.Replication.InputStatusReceived += OnSnapshotStatus;

        // A new connection is a new server timeline: start over from its first snapshot.
        client.Disconnected += _ =>
        {
            started = false;
            holdTicks = 0;
            pace.Reset();
        };
    }

    /// <inheritdoc />
    internal override bool YieldsToServer => true;

    /// <summary>What prediction systems read: tick, input, replay flag.</summary>
    public PredictionContext<TInput> Context { get; }

    /// <summary>The next tick the client will simulate.</summary>
    public uint PredictedTick { get; internal set; }

    /// <summary>
    /// Ticks of input the server holds for this client: its last report, or right after the client jumped ahead
    /// (inputs were arriving late), the buffer that jump restores, until reports about the new timeline arrive.
    /// </summary>
    public int ServerBufferedTicks { get; private set; }

    /// <summary>The current time dilation (1 = real time).</summary>
    public double RateScale => clock.RateScale;

    /// <summary>Ticks the client held still because its inputs reached the server far too early.</summary>
    public long HeldTicks { get; private set; }

    /// <summary>Times the client decided to hold still (each for the excess the server reported).</summary>
    public long HoldsBack { get; private set; }

    /// <summary>Times the client jumped ahead because its inputs reached the server too late.</summary>
    public long JumpsAhead { get; private set; }

    /// <summary>
    /// Resets to an authoritative state followed by a replay of the stored inputs: one per received snapshot,
    /// whether or not the prediction was right (about the snapshot rate). Real mispredictions are
    /// <see cref="Mispredictions"/>.
    /// </summary>
    public long Replays { get; private set; }

    /// <summary>
    /// Replays whose result differed from what had been predicted for the same tick, compared exactly at wire
    /// precision over every <c>Smoothing.Predict</c> component of the predicted entities: real mispredictions
    /// (input that reached the server late or not at all, server-only effects), 0 on a clean link with a
    /// deterministic simulation. Unlike <see cref="PredictionSmoothing.Corrections"/> it needs no smoothing
    /// and has no distance threshold. Replays right after the timeline jumped ahead are not compared.
    /// </summary>
    public long Mispredictions { get; private set; }

    /// <summary>Ticks re-simulated by replays.</summary>
    public long ReplayedTicks { get; private set; }

    /// <summary>The smoothing in use, if any (it also counts corrections).</summary>
    public PredictionSmoothing? Smoothing => options.Smoothing;

    /// <inheritdoc />
    public void Initialize() => simulation.Initialize();

    /// <summary>Starts the predicted timeline on the first snapshot; replays after every new one.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state)
    {
        var replication = client.Replication;
        if (!replication.Clock.HasEstimate || client.Transport.State != ClientState.Connected)
        {
            // Not connected (before the first connection, between connections, or while this player's world hosts):
            // nothing to predict against, and a hosting world's own simulation moves its player's entities.
            started = false;
            return;
        }

        if (!started)
        {
            // Run ahead of the server by the trip to it plus the buffer, so inputs arrive before their tick.
            double oneWayTicks = client.Transport.GetStats().RoundTripTimeMs / 2000.0 * clock.TickRate;
            double serverNow = replication.Clock.EstimateServerTick(client.LocalSeconds);
            PredictedTick = (uint)Math.Ceiling(serverNow + oneWayTicks) + (uint)options.TargetBufferTicks + 1;
            clock.Reset(PredictedTick);
            lastSeconds = client.LocalSeconds;
            started = true;

        }

        if (replication.NewestTick != rolledBackAt)
        {
            pace.Observe(replication.NewestTick, clockTicks);
            Rollback();
            rolledBackAt = replication.NewestTick;
        }
    }

    /// <summary>Simulates the ticks that are due (usually one) with fresh input and sends it.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void Update(in float state)
    {
        if (!started)
        {
            return;
        }

        double now = client.LocalSeconds;
        int due = clock.Advance(TimeSpan.FromSeconds(now - lastSeconds));
        lastSeconds = now;
        clockTicks += due / Math.Clamp(clock.RateScale, 0.5, 2.0);
        if (holdTicks > 0)
        {
            // Holding still: these ticks' time passes without a step, so the next input is for the tick after the
            // last one sent. Ticks stay monotonic, and nothing already predicted or sent is redone.
            int held = Math.Min(due, holdTicks);
            holdTicks -= held;
            due -= held;
            HeldTicks += held;
        }

        for (int i = 0; i < due; i++)
        {
            uint tick = PredictedTick;
            var input = Quantize(sampleInput(tick));
            history.Store(tick, in input);
            Run(tick, in input, replay: false);
            SendInputs(tick);
            PredictedTick = tick + 1;
        }

        options.Smoothing?.Decay(state);
        RememberPresented();
        client.Replication.RememberPredicted(in predicted);
        rememberedAt = PredictedTick;
    }

    /// <inheritdoc />
    public void AfterUpdate(in float state)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        client.Replication.InputStatusReceived -= OnSnapshotStatus;
        client.World.Resources.Remove<PredictionContext<TInput>>();
        if (client.World.Resources.TryGet<InputSource<TInput>>(out var source) && ReferenceEquals(source, this))
        {
            client.World.Resources.Remove<InputSource<TInput>>();
        }
        simulation.Dispose();
    }

    /// <summary>
    /// The input as the server will see it after the wire: predicting with the unquantized input would
    /// make every replay disagree with the server.
    /// </summary>
    private TInput Quantize(in TInput input)
    {
        Span<byte> scratch = stackalloc byte[256];
        var writer = new BitWriter(scratch);
        TSerializer.Write(ref writer, in input);
        if (writer.IsOverflowed)
        {
            return input;
        }

        var reader = new BitReader(scratch[..writer.BytesWritten]);
        TSerializer.Read(ref reader, out var quantized);
        return quantized;
    }

    private void Run(uint tick, in TInput input, bool replay)
    {
        Context.Tick = tick;
        Context.Input = input;
        Context.IsReplay = replay;
        float dt = deltaTime;
        simulation.Tick(in dt);
        client.Replication.RoundPredicted(in predicted); // as the server rounds it when it captures
    }

    /// <summary>The local player's input for the tick being predicted, for entities this client owns (<see cref="LocalOwner"/>).</summary>
    /// <param name="entity">A client entity.</param>
    /// <param name="input">The input, or default for entities owned by others.</param>
    /// <returns>True for an entity tagged <see cref="LocalOwner"/>.</returns>
    public override bool TryGetInput(Entity entity, out TInput input)
    {
        if (client.World.Has<LocalOwner>(entity))
        {
            input = Context.Input;
            return true;
        }

        input = default;
        return false;
    }

    /// <summary>True while stored inputs are replayed after a snapshot.</summary>
    public override bool IsReplay => Context.IsReplay;

    private void SendInputs(uint newest)
    {
        int count = Math.Clamp(options.RedundantInputs, 1, PredictionFormat.MaxInputsPerMessage);
        while (count > 1 && !history.Has(newest - (uint)(count - 1)))
        {
            count--;
        }

        double view = client.Replication.Clock.RenderTick(client.LocalSeconds);
        uint viewTick = (uint)Math.Max(0, Math.Floor(view));
        message[0] = PredictionFormat.InputMessage;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(1), newest);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(5), viewTick);
        message[9] = (byte)Math.Clamp((view - viewTick) * 256, 0, 255);
        message[10] = (byte)count;
        var writer = new BitWriter(message.AsSpan(PredictionFormat.InputHeaderBytes));
        for (int i = count - 1; i >= 0; i--)
        {
            history.TryGet(newest - (uint)i, out var input);
            TSerializer.Write(ref writer, in input);
        }

        if (!writer.IsOverflowed)
        {
            client.Transport.Send(ChannelKind.Unreliable, message.AsSpan(0, PredictionFormat.InputHeaderBytes + writer.BytesWritten));
        }
    }
}
