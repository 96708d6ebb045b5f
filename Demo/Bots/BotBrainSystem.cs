using System.Numerics;
using Demo.Game;
using Traktor.Ecs;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Demo.Bots;

/// <summary>
/// A bot pilot playing from its replicated view of the world (exactly what a human client would see):
/// it finds its own ship by pilot id, steers at the nearest rock, and fires when lined up.
/// </summary>
public sealed class BotBrainSystem(World world, NetClient transport, int pilotId, int seed) : BaseSystem<World, float>(world)
{
    private readonly QueryDescription shipsQuery = new QueryDescription().WithAll<Ship, Position, Heading>();
    private readonly QueryDescription rocksQuery = new QueryDescription().WithAll<Asteroid, Position>();
    private readonly byte[] input = new byte[DemoMessages.InputSize];
    private readonly Random random = new(seed);
    private float triggerCooldown;

    /// <summary>When set, the bot stops flying and shooting (the match is over).</summary>
    public bool Idle { get; set; }

    /// <summary>Input messages sent.</summary>
    public long InputsSent { get; private set; }

    /// <summary>Fire messages sent.</summary>
    public long ShotsRequested { get; private set; }

    /// <summary>Bytes of input and fire messages sent.</summary>
    public long GameplayBytes { get; private set; }

    /// <summary>Whether the bot has seen its own ship yet.</summary>
    public bool SeesOwnShip { get; private set; }

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (transport.State != ClientState.Connected || !TryFindOwnShip(out var position, out float heading))
        {
            return;
        }

        SeesOwnShip = true;
        var command = Idle ? new PilotInput(0f, 0f) : Decide(position, heading, deltaTime);
        DemoMessages.WriteInput(input, command);
        transport.Send(ChannelKind.Unreliable, input);
        InputsSent++;
        GameplayBytes += input.Length;
    }

    private PilotInput Decide(Vector2 position, float heading, float deltaTime)
    {
        triggerCooldown -= deltaTime;
        if (!TryFindNearestRock(position, out var target))
        {
            // Nothing in view: cruise in a lazy circle until something drifts in.
            return new PilotInput(0.5f, 0.3f);
        }

        var toTarget = target - position;
        float wanted = MathF.Atan2(toTarget.Y, toTarget.X);
        float error = MathF.IEEERemainder(wanted - heading, MathF.Tau);
        float distance = toTarget.Length();
        float thrust = distance > 160f ? 0.8f : distance < 70f ? 0f : 0.25f;
        if (MathF.Abs(error) < 0.15f && distance < 380f && triggerCooldown <= 0f)
        {
            transport.Send(ChannelKind.ReliableOrdered, [DemoMessages.Fire]);
            ShotsRequested++;
            GameplayBytes++;
            triggerCooldown = Arena.FireCooldown + (float)(random.NextDouble() * 0.15);
        }

        return new PilotInput(thrust, Math.Clamp(error * 3f, -1f, 1f));
    }

    private bool TryFindOwnShip(out Vector2 position, out float heading)
    {
        foreach (ref var chunk in World.Query(in shipsQuery))
        {
            var ships = chunk.GetReadOnlySpan<Ship>();
            var positions = chunk.GetReadOnlySpan<Position>();
            var headings = chunk.GetReadOnlySpan<Heading>();
            for (int i = 0; i < ships.Length; i++)
            {
                if (ships[i].PilotId == pilotId)
                {
                    position = positions[i].Value;
                    heading = headings[i].Radians;
                    return true;
                }
            }
        }

        position = default;
        heading = 0f;
        return false;
    }

    private bool TryFindNearestRock(Vector2 from, out Vector2 nearest)
    {
        nearest = default;
        float best = float.MaxValue;
        foreach (ref var chunk in World.Query(in rocksQuery))
        {
            var positions = chunk.GetReadOnlySpan<Position>();
            for (int i = 0; i < positions.Length; i++)
            {
                float d = Vector2.DistanceSquared(from, positions[i].Value);
                if (d < best)
                {
                    best = d;
                    nearest = positions[i].Value;
                }
            }
        }

        return best < float.MaxValue;
    }
}
