using System.Diagnostics;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Ecs;

public class SystemGroupTests
{
    private sealed class Recorder(World world, string name, List<string> log) : BaseSystem<World, float>(world)
    {
        public string Name => name;

        public bool Disposed { get; private set; }

        public override void Initialize() => log.Add(name + ".Init");

        public override void BeforeUpdate(in float state) => log.Add($"{name}.Before({state})");

        public override void Update(in float state) => log.Add($"{name}.Update({state})");

        public override void AfterUpdate(in float state) => log.Add($"{name}.After({state})");

        protected override void Dispose(bool disposing) => Disposed = true;
    }

    private sealed class Spinner(World world) : BaseSystem<World, float>(world)
    {
        public override void Update(in float state)
        {
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 500; // 2 ms
            while (Stopwatch.GetTimestamp() < until)
            {
            }
        }
    }

    private sealed class Allocator(World world) : BaseSystem<World, float>(world)
    {
        public byte[]? Last;

        public override void Update(in float state) => Last = new byte[4000];

        public override void AfterUpdate(in float state) => Last = new byte[1000];
    }

    /// <summary>Moves entities; does no allocation of its own.</summary>
    private sealed class Mover(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription description = new QueryDescription().WithAll<Position, Velocity>();

        public override void Update(in float dt)
        {
            var move = new Move { Dt = dt };
            World.InlineQuery<Move, Position, Velocity>(in description, ref move);
        }

        private struct Move : IForEach<Position, Velocity>
        {
            public float Dt;

            public void Update(ref Position p, ref Velocity v) => p.X += (float)v.Dx * Dt;
        }
    }

    [Fact]
    public void Nested_groups_run_every_phase_in_member_order()
    {
        using var world = World.Create();
        var log = new List<string>();
        var inner = new Group<float>("inner", new Recorder(world, "B", log), new Recorder(world, "C", log));
        using var outer = new Group<float>("outer", new Recorder(world, "A", log), inner, new Recorder(world, "D", log));

        outer.Initialize();
        Assert.Equal(new[] { "A.Init", "B.Init", "C.Init", "D.Init" }, log);

        log.Clear();
        outer.Tick(0.5f);
        Assert.Equal(
            new[]
            {
                "A.Before(0.5)", "B.Before(0.5)", "C.Before(0.5)", "D.Before(0.5)",
                "A.Update(0.5)", "B.Update(0.5)", "C.Update(0.5)", "D.Update(0.5)",
                "A.After(0.5)", "B.After(0.5)", "C.After(0.5)", "D.After(0.5)",
            },
            log);
    }

    [Fact]
    public void Dispose_reaches_nested_members()
    {
        using var world = World.Create();
        var log = new List<string>();
        var b = new Recorder(world, "B", log);
        var a = new Recorder(world, "A", log);
        var outer = new Group<float>("outer", a, new Group<float>("inner", b));
        outer.Dispose();
        Assert.True(a.Disposed);
        Assert.True(b.Disposed);
    }

    [Fact]
    public void Add_appends_members_that_run_last()
    {
        using var world = World.Create();
        var log = new List<string>();
        var group = new Group<float>("g", new Recorder(world, "A", log));
        group.Add(new Recorder(world, "B", log)).Add(new Recorder(world, "C", log));
        group.Update(1);
        Assert.Equal(new[] { "A.Update(1)", "B.Update(1)", "C.Update(1)" }, log);
        Assert.Equal(3, group.Systems.Count);
        Assert.Throws<ArgumentNullException>(() => group.Add((ISystem<float>)null!));
    }

    [Fact]
    public void Find_searches_nested_groups()
    {
        using var world = World.Create();
        var spinner = new Spinner(world);
        var inner = new Group<float>("inner", spinner);
        var group = new Group<float>("outer", new Mover(world), inner);

        Assert.Same(spinner, group.Find<Spinner>());
        Assert.Same(inner, group.Find<Group<float>>());
        Assert.Null(group.Find<Allocator>());
        Assert.Same(world, group.Find<Mover>()!.World);
    }

    [Fact]
    public void Profiles_record_time_and_allocations_per_system()
    {
        using var world = World.Create();
        for (int i = 0; i < 1000; i++)
        {
            world.Create(new Position(i, 0), new Velocity(1, 0));
        }

        var spinner = new Spinner(world);
        var allocator = new Allocator(world);
        var mover = new Mover(world);
        var group = new Group<float>("frame", spinner, allocator, mover);
        group.Initialize();
        // Warm-up: JIT, the cached query, and the runtime's lazily built dispatch caches (a fresh
        // process allocates ~300 B in the first frame and ~90 B in the second, nothing after).
        for (int i = 0; i < 3; i++)
        {
            group.Tick(1f);
        }

        group.Tick(1f);

        var bySystem = group.Profiles.ToDictionary(p => p.System);
        Assert.Equal("Spinner", bySystem[spinner].Name);
        Assert.True(bySystem[spinner].LastElapsed > TimeSpan.Zero);
        Assert.True(bySystem[spinner].LastElapsed.TotalMilliseconds >= 1, bySystem[spinner].ToString());
        Assert.True(bySystem[allocator].LastAllocatedBytes >= 5000, bySystem[allocator].ToString());
        Assert.Equal(0, bySystem[mover].LastAllocatedBytes);
        Assert.Equal(0, bySystem[spinner].LastAllocatedBytes);
        Assert.All(group.Profiles, p => Assert.Equal(4, p.Frames));
        Assert.True(bySystem[allocator].TotalAllocatedBytes >= 10000);
        Assert.True(bySystem[spinner].TotalElapsed >= bySystem[spinner].LastElapsed);
        Assert.True(bySystem[spinner].AverageMilliseconds > 0);
        Assert.Equal(4, world.Get<Position>(world.Query(new QueryDescription().WithAll<Position>()).Archetypes[0].GetChunk(0).Entities[0]).X);

        bySystem[spinner].Reset();
        Assert.Equal(0, bySystem[spinner].Frames);
        Assert.Equal(0, bySystem[spinner].AverageMilliseconds);
    }

    [Fact]
    public void A_nested_group_is_profiled_as_a_whole_and_per_member()
    {
        using var world = World.Create();
        var allocator = new Allocator(world);
        var inner = new Group<float>("physics", allocator, new Spinner(world));
        var outer = new Group<float>("root", new Mover(world), inner);
        outer.Tick(0);
        outer.Tick(0);

        var walk = outer.WalkProfiles().Select(x => (x.Depth, x.Profile.Name)).ToList();
        Assert.Equal(new[] { (0, "Mover"), (0, "physics"), (1, "Allocator"), (1, "Spinner") }, walk);

        var innerProfile = outer.Profiles[1];
        Assert.Same(inner, innerProfile.System);
        Assert.True(innerProfile.LastAllocatedBytes >= inner.Profiles[0].LastAllocatedBytes);
        Assert.True(inner.Profiles[0].LastAllocatedBytes >= 5000);
        Assert.True(innerProfile.LastElapsed >= inner.Profiles[1].LastElapsed);
        Assert.True(inner.Profiles[1].LastElapsed > TimeSpan.Zero);
    }

    private sealed class Generic<TItem>(World world) : BaseSystem<World, float>(world)
    {
        public TItem? Item { get; set; }
    }

    [Fact]
    public void ProfilesNameGenericSystemsAsWrittenInCSharp()
    {
        using var world = World.Create();
        using var group = new Group<float>("g", new Generic<Dictionary<int, string>>(world));
        Assert.Equal("Generic<Dictionary<Int32, String>>", group.Profiles[0].Name);
    }
}
