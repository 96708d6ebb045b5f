using System.Numerics;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>A server with ship movement from inputs, optionally a drone to shoot at, and predicting clients.</summary>
internal sealed class PredictionGame : IDisposable
{
    private const float HitRadius = 1.5f;
    private readonly LagCompensation<Drone>? lag;
    private Entity drone = Entity.Null;

    public PredictionGame(LinkConditions conditions, InputValidator<MoveInput>? validate = null, bool withDrone = false, int maxInvalidInputs = 0, int snapshotRate = 0)
    {
        Setup = new ReplicationWorld(conditions, new ServerReplicationOptions { SnapshotRate = snapshotRate });
        Inputs = new ServerInputs<MoveInput, MoveInputSerializer>(Setup.Server, new ServerInputOptions<MoveInput> { Validate = validate, MaxInvalidInputs = maxInvalidInputs });
        Setup.ServerGroup.Add(Inputs, new ServerShipSystem(Setup.ServerWorld, Inputs));
        if (withDrone)
        {
            drone = Setup.ServerWorld.Create(new Drone { Position = new Vector2(-50, 20) });
            lag = new LagCompensation<Drone>(Setup.ServerWorld, new QueryDescription().WithAll<Drone>(), (a, b, t) => new Drone { Position = Vector2.Lerp(a.Position, b.Position, t) });
            Setup.ServerGroup.Add(new ActionSystem(Setup.ServerWorld, Tick));
        }

        Setup.Server.ClientConnected += (connection, clientId) =>
        {
            Connections[(int)clientId] = connection;
            Ships[(int)clientId] = Setup.ServerWorld.Create(new ShipBody(), new Pilot { Seat = (int)clientId }, new NetworkOwner(connection));
        };
    }

    public ReplicationWorld Setup { get; }

    public ServerInputs<MoveInput, MoveInputSerializer> Inputs { get; }

    public Dictionary<int, ConnectionId> Connections { get; } = new();

    public Dictionary<int, Entity> Ships { get; } = new();

    public bool Moving { get; set; } = true;

    public int Shots { get; private set; }

    public int CompensatedHits { get; private set; }

    public int UncompensatedHits { get; private set; }

    public Player Join(int seat, int seed, Func<uint, MoveInput> input, PredictionSmoothing? smoothing = null)
    {
        var client = Setup.AddClient((ulong)seat, seed);
        var world = client.World;
        var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(
            client,
            new Group<float>("predicted", new ClientShipSystem(world)),
            new QueryDescription().WithAll<ShipBody, Pilot>(),
            input,
            options: new ClientPredictionOptions { Smoothing = smoothing });
        Setup.Clients[^1].Group.Add(prediction);
        return new Player(seat, client, prediction);
    }

    public Entity ClientShip(Player player)
    {
        var mine = new QueryDescription().WithAll<ShipBody, Pilot>();
        foreach (ref var chunk in player.Client.World.Query(in mine))
        {
            return chunk.Entities[0];
        }

        return Entity.Null;
    }

    public Vector2 ServerShipPosition(Player player) => Setup.ServerWorld.Get<ShipBody>(Ships[player.Seat]).Position;

    public Vector2 ClientShipPosition(Player player) => player.Client.World.Get<ShipBody>(ClientShip(player)).Position;

    public Vector2? ClientDrone(Player player)
    {
        var drones = new QueryDescription().WithAll<Drone>();
        foreach (ref var chunk in player.Client.World.Query(in drones))
        {
            return chunk.GetReadOnlySpan<Drone>()[0].Position;
        }

        return null;
    }

    public void Dispose() => Setup.Dispose();

    /// <summary>Server tick: move the drone, remember it, then judge this tick's shots.</summary>
    private void Tick()
    {
        ref var body = ref Setup.ServerWorld.Get<Drone>(drone);
        body.Position += new Vector2(30f / 60f, 0);
        if (body.Position.X > 50)
        {
            body.Position.X = -50;
        }

        lag!.Record(Inputs.CurrentTick);
        foreach (var (seat, connection) in Connections)
        {
            if (!Inputs.TryGetInput(connection, out var input) || !input.Fire)
            {
                continue;
            }

            Shots++;
            if (lag.TryGetAt(drone, Inputs.ViewTick(connection, drone), out var seen) && Vector2.Distance(seen.Position, input.Aim) < HitRadius)
            {
                CompensatedHits++;
            }

            if (Vector2.Distance(body.Position, input.Aim) < HitRadius)
            {
                UncompensatedHits++;
            }
        }
    }

    internal sealed record Player(int Seat, NetworkClient Client, ClientPrediction<MoveInput, MoveInputSerializer> Prediction);

    private sealed class ActionSystem(World world, Action action) : BaseSystem<World, float>(world)
    {
        public override void Update(in float state) => action();
    }
}
