using System.Numerics;
using Demo.Bots;
using Traktor.Ecs;
using Traktor.Ecs.Net;

namespace Demo.Game;

/// <summary>
/// The host's own pilot in host mode: it flies the ship the host owns (tagged <see cref="LocalOwner"/> in the server
/// world) with the bots' hunting rule, reading the authoritative world directly. Its inputs and fire requests go to
/// the server as a remote pilot's do (<see cref="HostInputs{TInput, TSerializer}"/>, <see cref="NetworkHost.SendRpc{T}"/>),
/// so the same validation and rate limits judge them.
/// </summary>
public sealed class HostPilot
{
    private static readonly QueryDescription Mine = new QueryDescription().WithAll<ShipBody, LocalOwner>();
    private readonly NetworkHost host;
    private readonly Random random;
    private float triggerCooldown;

    /// <summary>Starts flying the host's ship.</summary>
    public HostPilot(NetworkHost host, int seed)
    {
        this.host = host;
        random = new Random(seed);
        Inputs = new HostInputs<ShipInput, ShipInputSerializer>(host, _ => Decide());
    }

    /// <summary>The input path of the host's pilot.</summary>
    public HostInputs<ShipInput, ShipInputSerializer> Inputs { get; }

    /// <summary>Fire requests sent.</summary>
    public long ShotsRequested { get; private set; }

    /// <summary>When set, the pilot holds still (the end-of-run settle).</summary>
    public bool Idle { get; set; }

    private ShipInput Decide()
    {
        if (Idle || !TryFindOwnShip(out var body))
        {
            return default;
        }

        triggerCooldown -= 1f / Arena.TickRate;
        if (!BotView.TryFindNearestRock(host.World, body.Position, out var target))
        {
            return new ShipInput { Thrust = 0.5f, Turn = 0.3f };
        }

        var toTarget = target - body.Position;
        float error = MathF.IEEERemainder(MathF.Atan2(toTarget.Y, toTarget.X) - body.Heading, MathF.Tau);
        float distance = toTarget.Length();
        if (MathF.Abs(error) < 0.15f && distance < 380f && triggerCooldown <= 0f)
        {
            host.SendRpc(new FireRpc { Shot = (int)(ShotsRequested % 256) });
            ShotsRequested++;
            triggerCooldown = Arena.FireCooldown + (float)(random.NextDouble() * 0.15);
        }

        return new ShipInput { Thrust = distance > 160f ? 0.8f : distance < 70f ? 0f : 0.25f, Turn = Math.Clamp(error * 3f, -1f, 1f) };
    }

    private bool TryFindOwnShip(out ShipBody body) => BotView.TryFindFirstShip(host.World, Mine, out body);
}
