using System.Numerics;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>
/// A deterministic stand-in for Fiedler's cube demo: 901 cubes (a 30×30 grid plus the player's
/// cube) at 60 Hz. The player sweeps a Lissajous path for 3 s out of every 5 and knocks cubes
/// within 2.5 m; every 10 s a blast throws every cube within 12 m of a point. Knocked cubes fly,
/// spin, bounce, slide to rest and sleep, so most of the scene is at rest most of the time with
/// bursts of motion.
/// </summary>
public static class CubeScenario
{
    /// <summary>Cubes in the scene.</summary>
    public const int CubeCount = 901;

    /// <summary>Simulation and send rate.</summary>
    public const int TicksPerSecond = 60;

    private const float Dt = 1f / TicksPerSecond;
    private const float HalfSize = 0.5f;

    /// <summary>Runs the simulation and returns every cube's state at every tick.</summary>
    /// <param name="ticks">Number of ticks to simulate.</param>
    /// <returns>[tick][cube] states.</returns>
    public static CubeState[][] Simulate(int ticks)
    {
        var position = new Vector3[CubeCount];
        var velocity = new Vector3[CubeCount];
        var spin = new Vector3[CubeCount];
        var rotation = new Quaternion[CubeCount];
        var awake = new bool[CubeCount];
        for (int i = 1; i < CubeCount; i++)
        {
            int cell = i - 1;
            position[i] = new Vector3(((cell % 30) - 14.5f) * 3f, ((cell / 30) - 14.5f) * 3f, HalfSize);
            rotation[i] = Quaternion.CreateFromAxisAngle(Vector3.UnitZ, cell * 0.37f);
        }

        rotation[0] = Quaternion.Identity;
        position[0] = new Vector3(0, 0, HalfSize);
        var history = new CubeState[ticks][];
        float pathTime = 0;
        for (int tick = 0; tick < ticks; tick++)
        {
            float seconds = tick * Dt;
            bool playerActive = seconds % 5f < 3f;
            if (playerActive)
            {
                pathTime += Dt;
                var target = new Vector3(40f * MathF.Sin(0.23f * pathTime * 3f), 40f * MathF.Sin(0.31f * pathTime * 3f), HalfSize);
                rotation[0] = Quaternion.Normalize(Quaternion.CreateFromAxisAngle(Vector3.UnitZ, Dt * 3f) * rotation[0]);
                position[0] = target;
                Knock(position, velocity, spin, awake, position[0], 2.5f, 5f);
            }

            if (tick % (10 * TicksPerSecond) == 5 * TicksPerSecond)
            {
                var blast = new Vector3(((tick / 600) % 3 - 1) * 20f, 10f, 0);
                Knock(position, velocity, spin, awake, blast, 12f, 9f);
            }

            for (int i = 1; i < CubeCount; i++)
            {
                if (awake[i])
                {
                    Integrate(ref position[i], ref velocity[i], ref spin[i], ref rotation[i], ref awake[i]);
                }
            }

            var states = new CubeState[CubeCount];
            for (int i = 0; i < CubeCount; i++)
            {
                states[i] = new CubeState { Position = position[i], Rotation = rotation[i], Interacting = i == 0 ? playerActive : awake[i] };
            }

            history[tick] = states;
        }

        return history;
    }

    private static void Knock(Vector3[] position, Vector3[] velocity, Vector3[] spin, bool[] awake, Vector3 centre, float radius, float strength)
    {
        for (int i = 1; i < position.Length; i++)
        {
            var offset = position[i] - centre;
            offset.Z = 0;
            float distance = offset.Length();
            if (distance < radius && distance > 1e-3f)
            {
                var direction = offset / distance;
                float falloff = 1f - (distance / radius);
                velocity[i] += (direction * strength * falloff) + new Vector3(0, 0, strength * 0.6f * falloff);
                spin[i] += Vector3.Cross(Vector3.UnitZ, direction) * 6f * falloff;
                awake[i] = true;
            }
        }
    }

    private static void Integrate(ref Vector3 position, ref Vector3 velocity, ref Vector3 spin, ref Quaternion rotation, ref bool awake)
    {
        velocity.Z -= 9.81f * Dt;
        position += velocity * Dt;
        bool grounded = position.Z <= HalfSize;
        if (grounded)
        {
            position.Z = HalfSize;
            if (velocity.Z < 0)
            {
                velocity.Z = -velocity.Z * 0.3f;
            }

            velocity.X *= 0.92f;
            velocity.Y *= 0.92f;
            spin *= 0.9f;
        }

        var omega = new Quaternion(spin * (0.5f * Dt), 0);
        rotation = Quaternion.Normalize(rotation + (omega * rotation));
        if (grounded && velocity.LengthSquared() < 0.04f && spin.LengthSquared() < 0.04f)
        {
            velocity = Vector3.Zero;
            spin = Vector3.Zero;
            awake = false;
        }
    }
}
