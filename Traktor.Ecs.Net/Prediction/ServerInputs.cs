using System.Buffers.Binary;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server side of input commands: receives each connection's stamped inputs (the last few
/// repeated in every message), validates them, buffers them by tick, and hands gameplay systems the
/// input for the tick being simulated. With every snapshot (in its header) it tells the client how many ticks of
/// input it holds, so the client can run slightly faster or slower to keep about two buffered. Add it to the
/// server group after <see cref="NetworkServer"/>.
/// </summary>
/// <typeparam name="TInput">A <c>[NetInput]</c> struct.</typeparam>
/// <typeparam name="TSerializer">Its generated serializer.</typeparam>
public sealed class ServerInputs<TInput, TSerializer> : InputSource<TInput>, ISystem<float>
    where TInput : struct
    where TSerializer : struct, IMessageSerializer<TInput>
{
    private readonly NetworkServer server;
    private readonly ServerInputOptions<TInput> options;
    private readonly Dictionary<ConnectionId, State> states = new();
    private readonly byte[] status = new byte[PredictionFormat.StatusBytes];
    private readonly List<ConnectionId> toDisconnect = new();

    /// <summary>The client's prediction this server took the world's input source over from, handed back on dispose.</summary>
    private readonly InputSource<TInput>? yielded;

    /// <summary>Creates the input receiver and registers it with the server.</summary>
    /// <param name="server">The server plugin.</param>
    /// <param name="options">Validation and limits.</param>
    public ServerInputs(NetworkServer server, ServerInputOptions<TInput>? options = null)
    {
        this.server = server;
        // A copy, then checked: the caller changing its object later cannot undo the check. Math.Clamp's bounds cross for
        // a negative MaxRewindTicks: every rewind threw, a hit test failing the tick.
        this.options = options?.Snapshot() ?? new ServerInputOptions<TInput>();
        if (this.options.MaxRewindTicks is < 0 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(ServerInputOptions<TInput>.MaxRewindTicks), this.options.MaxRewindTicks, "MaxRewindTicks must be from 0 to 1,000.");
        // A player's world that hosts (Multiplayer hosting, a host migration) keeps its ClientPrediction for when it
        // joins others again: while it hosts, the world's input source is the server's.
        var resources = server.World.Resources;
        if (resources.TryGet<InputSource<TInput>>(out var existing))
        {
            if (!existing.YieldsToServer)
            {
                throw new InvalidOperationException(
                    $"The world already has an input source for {typeof(TInput).Name} ({existing.GetType().Name}): one ServerInputs<{typeof(TInput).Name}, …> per world; dispose the first before creating another.");
            }

            yielded = existing;
        }

        // A client sends one message per tick it predicts: at the tick rate, in bursts after a hitch or a jump ahead.
        int tickRate = server.Replication.Options.TickRate;
        server.RegisterHandler(PredictionFormat.InputMessage, Receive, new MessageBudget(PredictionFormat.MaxMessageBytes, 2 * tickRate, 2 * tickRate));
        server.ClientConnected += (connection, _) => states[connection] = new State();
        server.ConnectionClosed += (connection, _) => states.Remove(connection);

        // The status rides in the header of the connection's snapshot (docs/PROTOCOL.md §10.4); on a tick whose snapshot did not carry it
        // (nothing to replicate), a status message is queued before the transport flushes, into the same packet.
        server.Replication.InputStatus = new StatusSource(this);
        server.Sending += SendStatus;
        resources.Add(this);
        if (yielded is null) resources.Add<InputSource<TInput>>(this);
        else resources.Replace<InputSource<TInput>>(this);
    }

    /// <summary>The tick being simulated this frame (the next snapshot's tick).</summary>
    public uint CurrentTick => server.Replication.Tick + 1;

    /// <summary>
    /// The input of <paramref name="connection"/> for <see cref="CurrentTick"/>. When none arrived in
    /// time the connection's last valid input is repeated and false is returned.
    /// </summary>
    /// <param name="connection">The player's connection.</param>
    /// <param name="input">The input to apply.</param>
    /// <returns>True when a fresh input for this tick was received.</returns>
    public bool TryGetInput(ConnectionId connection, out TInput input)
    {
        if (!states.TryGetValue(connection, out var state))
        {
            input = default;
            return false;
        }

        // Resolved once per tick: several systems may ask, a missing input is counted once.
        uint tick = CurrentTick;
        if (!state.IsResolved || state.ResolvedTick != tick)
        {
            state.IsResolved = true;
            state.ResolvedTick = tick;
            state.ResolvedFresh = state.History.TryGet(tick, out var fresh);
            if (state.ResolvedFresh)
            {
                state.Counters.Used++;
                state.Last = fresh;
            }
            else
            {
                state.Counters.Missing++;
            }
        }

        input = state.Last;
        return state.ResolvedFresh;
    }

    /// <summary>
    /// The input of <paramref name="entity"/>'s owner for <see cref="CurrentTick"/> (see <see cref="TryGetInput(ConnectionId, out TInput)"/>;
    /// a missing input repeats the last one). False when the entity has no <see cref="NetworkOwner"/> or its owner is not connected.
    /// </summary>
    /// <param name="entity">A server entity.</param>
    /// <param name="input">The input to apply, or default.</param>
    /// <returns>True when a connected player drives the entity.</returns>
    public override bool TryGetInput(Entity entity, out TInput input)
    {
        if (server.World.TryGet<NetworkOwner>(entity, out var owner) && states.ContainsKey(owner.Connection))
        {
            TryGetInput(owner.Connection, out input);
            return true;
        }

        input = default;
        return false;
    }

    /// <summary>Always false: the server simulates each tick once.</summary>
    public override bool IsReplay => false;

    /// <summary>How many ticks ahead of <see cref="CurrentTick"/> the connection's newest input is.</summary>
    /// <param name="connection">The player's connection.</param>
    public int BufferedTicks(ConnectionId connection) =>
        states.TryGetValue(connection, out var state) && state.HasInput ? (int)(state.NewestTick - CurrentTick) : 0;

    /// <summary>
    /// The (fractional) server tick the connection's player was looking at when it sampled its input for
    /// <see cref="CurrentTick"/>: its interpolated view of remote entities. Lag compensation rewinds to it.
    /// Clamped to at most <see cref="ServerInputOptions{TInput}.MaxRewindTicks"/> back, never ahead.
    /// </summary>
    /// <param name="connection">The player's connection.</param>
    public double ViewTick(ConnectionId connection) => ViewTickBehind(connection, 0);

    /// <summary>
    /// The (fractional) server tick at which the connection's player saw <paramref name="target"/> when it sampled
    /// its input for <see cref="CurrentTick"/>: <see cref="ViewTick(ConnectionId)"/>, further back for an entity its
    /// types' <c>SendRate</c> sends less often than snapshots (the client draws those at a longer interpolation delay,
    /// <see cref="Replication.Server.ServerReplication.ViewLagTicks"/>). Rewind a hit test against
    /// <paramref name="target"/> to this. Clamped like <see cref="ViewTick(ConnectionId)"/>.
    /// </summary>
    /// <param name="connection">The player's connection (the shooter).</param>
    /// <param name="target">The entity hit-tested.</param>
    public double ViewTick(ConnectionId connection, Entity target) =>
        ViewTickBehind(connection, server.Replication.ViewLagTicks(connection, target));

    private double ViewTickBehind(ConnectionId connection, double lagTicks)
    {
        if (!states.TryGetValue(connection, out var state))
        {
            return CurrentTick;
        }

        double view = state.History.Has(CurrentTick) ? state.History.ViewTickOf(CurrentTick) : state.ViewTick;
        return Math.Clamp(view - lagTicks, (double)CurrentTick - options.MaxRewindTicks, CurrentTick);
    }

    /// <summary>The input statistics of a connection.</summary>
    /// <param name="connection">The player's connection.</param>
    public InputCounters CountersFor(ConnectionId connection) =>
        states.TryGetValue(connection, out var state) ? state.Counters : new InputCounters();

    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <inheritdoc />
    public void BeforeUpdate(in float state)
    {
        foreach (var connection in toDisconnect)
        {
            server.Transport.Disconnect(connection, DisconnectReason.ProtocolViolation);
        }

        toDisconnect.Clear();
    }

    /// <inheritdoc />
    public void Update(in float state)
    {
    }

    /// <inheritdoc />
    public void AfterUpdate(in float state)
    {
    }

    /// <summary>How many ticks of input are buffered for <paramref name="connection"/> beyond <see cref="CurrentTick"/>, or false before its first.</summary>
    private bool TryGetBuffered(ConnectionId connection, out sbyte buffered)
    {
        if (!states.TryGetValue(connection, out var input) || !input.HasInput)
        {
            buffered = 0;
            return false;
        }

        buffered = (sbyte)Math.Clamp((int)(input.NewestTick - CurrentTick), -sbyte.MaxValue, sbyte.MaxValue);
        return true;
    }

    /// <summary>Tells every client whose snapshot did not carry it this tick how many ticks of its input are buffered here.</summary>
    private void SendStatus()
    {
        uint tick = CurrentTick;
        foreach (var (connection, input) in states)
        {
            if (!server.Replication.SendsSnapshotThisTick(connection) || server.Replication.CarriedInputStatus(connection))
            {
                continue; // below the tick rate the status waits for the connection's next snapshot; in it, it is said
            }

            // 4 bytes: the client knows the server's tick to within far less than 32,768 ticks, so 16 bits of it say
            // which; a buffer off by more than 127 ticks is corrected in steps of at most 64 anyway (docs/PROTOCOL.md §10.4).
            status[0] = PredictionFormat.InputStatusMessage;
            BinaryPrimitives.WriteUInt16LittleEndian(status.AsSpan(1), (ushort)tick);
            int buffered = input.HasInput ? Math.Clamp((int)(input.NewestTick - tick), -sbyte.MaxValue, sbyte.MaxValue) : PredictionFormat.NoInputYet;
            status[3] = (byte)(sbyte)buffered;
            server.Transport.Send(connection, ChannelKind.Unreliable, status);
            input.Counters.StatusMessages++;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        server.Sending -= SendStatus;
        server.Replication.InputStatus = null;
        var resources = server.World.Resources;
        resources.Remove<ServerInputs<TInput, TSerializer>>();
        if (resources.TryGet<InputSource<TInput>>(out var source) && ReferenceEquals(source, this))
        {
            if (yielded is null) resources.Remove<InputSource<TInput>>();
            else resources.Replace(yielded);
        }
    }

    private void Receive(ConnectionId connection, ReadOnlySpan<byte> message)
    {
        if (!states.TryGetValue(connection, out var state))
        {
            return;
        }

        if (message.Length < PredictionFormat.InputHeaderBytes)
        {
            state.Counters.Malformed++;
            return;
        }

        uint newest = BinaryPrimitives.ReadUInt32LittleEndian(message[1..]);
        uint viewTick = BinaryPrimitives.ReadUInt32LittleEndian(message[5..]);
        byte viewFraction = message[9];
        int count = message[10];
        if (count < 1 || count > PredictionFormat.MaxInputsPerMessage)
        {
            state.Counters.Malformed++;
            return;
        }

        if ((int)(newest - CurrentTick) > PredictionFormat.HistoryTicks / 2)
        {
            // Too far ahead to hold. Dropping it silently would leave the status describing older inputs, so an
            // honest client that ran ahead (a slow or stalled server) would read "late" and run further still.
            // The status reports the lead (bounded, so a lying peer only confuses itself) and the client steps back.
            state.Counters.Early++;
            uint reported = CurrentTick + Math.Min((uint)(newest - CurrentTick), PredictionFormat.MaxReportedLeadTicks);
            if (!state.HasInput || (int)(reported - state.NewestTick) > 0)
            {
                state.NewestTick = reported;
                state.HasInput = true;
            }

            return;
        }

        var reader = new BitReader(message[PredictionFormat.InputHeaderBytes..]);
        for (int i = 0; i < count; i++)
        {
            TSerializer.Read(ref reader, out var input);
            if (reader.IsFailed)
            {
                state.Counters.Malformed++;
                return;
            }

            uint tick = newest - (uint)(count - 1 - i);
            if (!state.HasInput || (int)(tick - state.NewestTick) > 0)
            {
                // Late inputs count too: a negative buffer tells the client to run further ahead.
                state.NewestTick = tick;
                state.HasInput = true;
            }

            if ((int)(tick - CurrentTick) < 0)
            {
                if (i == count - 1)
                {
                    state.Counters.Late++;
                }

                continue;
            }

            if (state.History.Has(tick))
            {
                continue;
            }

            if (options.Validate is { } validate && !validate(connection, tick, in input))
            {
                state.Counters.Invalid++;
                ReplicationMetrics.InvalidInputs.Add(1);
                if (options.MaxInvalidInputs > 0 && state.Counters.Invalid == options.MaxInvalidInputs)
                {
                    toDisconnect.Add(connection);
                }

                continue;
            }

            // The message carries the view of its newest input; earlier ones were sampled a tick apart.
            double view = viewTick + (viewFraction / 256.0) - (newest - tick);
            state.History.Store(tick, in input, view);
            state.Counters.Accepted++;
            state.ViewTick = view;
        }
    }

    private sealed class State
    {
        public InputHistory<TInput> History { get; } = new();

        public InputCounters Counters { get; } = new();

        public TInput Last;

        public uint NewestTick;

        public bool HasInput;

        public double ViewTick;

        public bool IsResolved;

        public uint ResolvedTick;

        public bool ResolvedFresh;
    }

    /// <summary>Hands the snapshot headers the status (kept private: it is the replication layer's internal hook).</summary>
    private sealed class StatusSource(ServerInputs<TInput, TSerializer> owner) : IInputStatusSource
    {
        public bool TryGetInputStatus(ConnectionId connection, out sbyte buffered) => owner.TryGetBuffered(connection, out buffered);
    }
}
