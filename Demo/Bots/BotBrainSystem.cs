using System.Numerics;
using Demo.Game;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Demo.Bots;

/// <summary>
/// A bot pilot playing from its replicated view of the world (exactly what a human client would see):
/// it flies its own predicted ship (the only one carrying <see cref="ShipBody"/> on this client), steers
/// at the nearest rock, and fires when lined up. Prediction samples <see cref="Input"/> each tick.
/// </summary>
public sealed class BotBrainSystem(World world, NetClient transport, int seed) : BaseSystem<World, float>(world), IBotBrain
{
    private readonly Random random = new(seed);
    private float triggerCooldown;

    /// <summary>When set, the bot stops flying and shooting (the match is over).</summary>
    public bool Idle { get; set; }

    /// <summary>The input the bot wants for the next predicted tick.</summary>
    public ShipInput Input { get; private set; }

    /// <summary>Fire RPCs sent.</summary>
    public long ShotsRequested { get; private set; }

    /// <summary>Whether the bot has seen its own ship yet.</summary>
    public bool SeesOwnShip { get; private set; }

    /// <inheritdoc />
    public override void Update(in float deltaTime)
    {
        if (transport.State != ClientState.Connected || !BotView.TryFindOwnShip(World, out var body))
        {
            Input = default;
            return;
        }

        SeesOwnShip = true;
        Input = Idle ? default : Decide(body, deltaTime);
    }

    private ShipInput Decide(in ShipBody body, float deltaTime)
    {
        triggerCooldown -= deltaTime;
        if (!BotView.TryFindNearestRock(World, body.Position, out var target))
        {
            // Nothing in view: cruise in a lazy circle until something drifts in.
            return new ShipInput { Thrust = 0.5f, Turn = 0.3f };
        }

        var toTarget = target - body.Position;
        float wanted = MathF.Atan2(toTarget.Y, toTarget.X);
        float error = MathF.IEEERemainder(wanted - body.Heading, MathF.Tau);
        float distance = toTarget.Length();
        float thrust = distance > 160f ? 0.8f : distance < 70f ? 0f : 0.25f;
        if (MathF.Abs(error) < 0.15f && distance < 380f && triggerCooldown <= 0f)
        {
            World.SendRpc(new FireRpc { Shot = (int)(ShotsRequested % 256) }, RpcTarget.Server);
            ShotsRequested++;
            triggerCooldown = Arena.FireCooldown + (float)(random.NextDouble() * 0.15);
        }

        return new ShipInput { Thrust = thrust, Turn = Math.Clamp(error * 3f, -1f, 1f) };
    }
}
