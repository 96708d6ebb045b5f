using CsCheck;
using Xunit.Sdk;

namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// Model-based test: long random sequences of operations run against a <see cref="World"/> and a plain
/// dictionary of what every entity should hold; after each step the two must agree on every entity.
/// </summary>
public partial class WorldModelTests
{
    public enum OpKind
    {
        Create,
        Destroy,
        Add,
        Remove,
        Set,
        QueryWrite,
        TouchDead,
        BulkAdd,
        BulkRemove,
        BulkSet,
        BulkDestroy,
        AddPair,
        RemovePair,
        TrimExcess,
        TouchForeign,
        Deferred,
    }

    /// <summary>One step. <c>Component</c> is a component index 0–3, or for Create a mask of them.</summary>
    public readonly record struct Op(OpKind Kind, int Target, int Component, int Value)
    {
        public override string ToString() => $"{Kind}(t{Target}, c{Component}, v{Value})";
    }

    /// <summary>What one live entity should hold; null means "does not have it".</summary>
    private sealed class Row
    {
        public Entity Handle;
        public Position? P;
        public Health? H;
        public Label? L;
        public Bulky? B;

        public bool HasComponent(int c) => c switch { 0 => P.HasValue, 1 => H.HasValue, 2 => L.HasValue, _ => B.HasValue };
    }

    private static Position MakeP(int v) => new(v, -v * 0.5f);

    private static Health MakeH(int v) => new(v, v + 1);

    private static Label MakeL(int v) => new(v % 7 == 0 ? null! : "label-" + v, v);

    private static readonly Gen<Op> GenOp = Gen.Frequency(
        // Any of the 16 shapes, but mostly two, so their archetypes grow past one chunk.
        (6, Gen.Select(Gen.Frequency((2, Gen.Int[0, 15]), (3, Gen.Const(15)), (1, Gen.Const(9))), Gen.Int[0, 100_000], (mask, v) => new Op(OpKind.Create, 0, mask, v))),
        (2, Gen.Int[0, 1_000].Select(t => new Op(OpKind.Destroy, t, 0, 0))),
        (4, Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 3], Gen.Int[0, 100_000], (t, c, v) => new Op(OpKind.Add, t, c, v))),
        (3, Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 3], (t, c) => new Op(OpKind.Remove, t, c, 0))),
        (3, Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 3], Gen.Int[0, 100_000], (t, c, v) => new Op(OpKind.Set, t, c, v))),
        (1, Gen.Const(new Op(OpKind.QueryWrite, 0, 0, 0))),
        (1, Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 3], (t, c) => new Op(OpKind.TouchDead, t, c, 0))),
        (1, Gen.Select(Gen.Int[0, 3], Gen.Int[0, 100_000], (c, v) => new Op(OpKind.BulkAdd, 0, c, v))),
        (1, Gen.Int[0, 3].Select(c => new Op(OpKind.BulkRemove, 0, c, 0))),
        (1, Gen.Select(Gen.Int[0, 3], Gen.Int[0, 100_000], (c, v) => new Op(OpKind.BulkSet, 0, c, v))),
        (1, Gen.Const(new Op(OpKind.BulkDestroy, 0, 0, 0))),
        (2, Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 100_000], (t, v) => new Op(OpKind.AddPair, t, 0, v))),
        (2, Gen.Int[0, 1_000].Select(t => new Op(OpKind.RemovePair, t, 0, 0))),
        (1, Gen.Const(new Op(OpKind.TrimExcess, 0, 0, 0))),
        (1, Gen.Select(Gen.Int[0, 1_000], Gen.Int[0, 3], (t, c) => new Op(OpKind.TouchForeign, t, c, 0))),
        // A batch of structural changes made while a query iterates (seed, length): deferred to its end.
        (3, Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 16], (seed, n) => new Op(OpKind.Deferred, seed, n, 0))));

    /// <summary>What BulkDestroy removes: entities with exactly Position and Label (rare enough to keep the world populated).</summary>
    private static readonly QueryDescription BulkDestroyed = new QueryDescription().WithExclusive<Position, Label>();

    private static readonly QueryDescription[] Queries =
    [
        new QueryDescription(),
        new QueryDescription().WithAll<Position>(),
        new QueryDescription().WithAll<Position, Health>(),
        new QueryDescription().WithAny<Label, Bulky>(),
        new QueryDescription().WithNone<Position>(),
        new QueryDescription().WithAll<Health>().WithNone<Label>(),
        new QueryDescription().WithAll<Bulky>().WithAny<Position, Label>().WithNone<Health>(),
        new QueryDescription(all: new ComponentType[] { typeof(Health) }, none: new ComponentType[] { typeof(Bulky) }),
        new QueryDescription { Exclusive = new ComponentType[] { typeof(Position), typeof(Label) } },
        new QueryDescription().WithExclusive<Health>(),
    ];

    private static int maxChunks;

    [ThreadStatic]
    private static Entity[]? foreignHandles;

    [Fact]
    public void Random_operation_sequences_match_a_dictionary_model()
    {
        maxChunks = 0;
        GenOp.Array[100, 500].Sample(Run, iter: 100);

        // The sequences must reach multi-chunk archetypes, or swap-remove across chunks goes untested.
        Assert.True(maxChunks >= 3, $"largest archetype reached only {maxChunks} chunk(s)");
    }

    private static void Run(Op[] ops)
    {
        using var world = World.Create();
        using var foreign = World.Create(); // a second world whose handles must be refused by the first
        foreignHandles = Enumerable.Range(0, 8).Select(i => foreign.Create(MakeP(i))).ToArray();
        var model = new Dictionary<int, Row>();
        var live = new List<int>(); // ids of live entities, for picking targets deterministically
        var dead = new List<Entity>();

        for (int step = 0; step < ops.Length; step++)
        {
            try
            {
                Apply(world, model, live, dead, ops[step]);
                Compare(world, model, dead);
                foreach (var archetype in world.Archetypes)
                {
                    InterlockedMax(ref maxChunks, archetype.ChunkCount);
                }
            }
            catch (Exception ex) when (ex is not StepFailedException)
            {
                throw new StepFailedException($"step {step} ({ops[step]}) of {ops.Length}: {ex.Message}", ex);
            }
        }
    }

    private static void InterlockedMax(ref int location, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref location)) && Interlocked.CompareExchange(ref location, value, seen) != seen)
        {
        }
    }

    private sealed class StepFailedException(string message, Exception inner) : Exception(message, inner);

    private static void Apply(World world, Dictionary<int, Row> model, List<int> live, List<Entity> dead, Op op)
    {
        if (op.Kind == OpKind.Create)
        {
            var row = Create(world, op.Component, op.Value);
            Assert.False(model.ContainsKey(row.Handle.Id));
            model.Add(row.Handle.Id, row);
            live.Add(row.Handle.Id);
            return;
        }

        if (op.Kind == OpKind.QueryWrite)
        {
            world.Query(Queries[2], (ref Position p, ref Health h) =>
            {
                p.X += 1;
                h.Value -= 1;
            });
            foreach (var r in model.Values.Where(r => r.P.HasValue && r.H.HasValue))
            {
                r.P = r.P!.Value with { X = r.P.Value.X + 1 };
                r.H = r.H!.Value with { Value = r.H.Value.Value - 1 };
            }

            return;
        }

        if (ApplyWholeWorld(world, model, live, dead, op))
        {
            return;
        }

        if (op.Kind == OpKind.Deferred)
        {
            ApplyDeferred(world, model, live, dead, op);
            return;
        }

        if (op.Kind == OpKind.TouchDead)
        {
            if (dead.Count == 0)
            {
                return;
            }

            var handle = dead[op.Target % dead.Count];
            Assert.Throws<EntityNotAliveException>(() => Mutate(world, OpKind.Destroy, handle, op.Component, 0));
            Assert.Throws<EntityNotAliveException>(() => Mutate(world, OpKind.Add, handle, op.Component, 0));
            Assert.Throws<EntityNotAliveException>(() => Mutate(world, OpKind.Set, handle, op.Component, 0));
            return;
        }

        if (live.Count == 0)
        {
            return;
        }

        int index = op.Target % live.Count;
        var target = model[live[index]];
        if (op.Kind == OpKind.AddPair)
        {
            // Health and Label in one move, through the world or the entity extension.
            if (target.H.HasValue || target.L.HasValue)
            {
                Assert.ThrowsAny<EcsException>(() => world.Add(target.Handle, MakeH(op.Value), MakeL(op.Value)));
                return;
            }

            if (op.Value % 2 == 0)
            {
                world.Add(target.Handle, MakeH(op.Value), MakeL(op.Value));
            }
            else
            {
                target.Handle.Add(MakeH(op.Value), MakeL(op.Value));
            }

            target.H = MakeH(op.Value);
            target.L = MakeL(op.Value);
            return;
        }

        if (op.Kind == OpKind.RemovePair)
        {
            if (!target.H.HasValue || !target.L.HasValue)
            {
                Assert.Throws<ComponentNotFoundException>(() => world.Remove<Health, Label>(target.Handle));
                return;
            }

            var pair = world.Get<Health, Label>(target.Handle);
            Assert.Equal(target.H.Value, pair.t0);
            Assert.Equal(target.L.Value, pair.t1);
            world.Remove<Health, Label>(target.Handle);
            target.H = null;
            target.L = null;
            return;
        }

        switch (op.Kind)
        {
            case OpKind.Destroy:
                world.Destroy(target.Handle);
                model.Remove(target.Handle.Id);
                live[index] = live[^1];
                live.RemoveAt(live.Count - 1);
                dead.Add(target.Handle);
                if (dead.Count > 64)
                {
                    dead.RemoveAt(0);
                }

                break;
            case OpKind.Add when target.HasComponent(op.Component):
                Assert.Throws<DuplicateComponentException>(() => Mutate(world, op.Kind, target.Handle, op.Component, op.Value));
                break;
            case OpKind.Remove or OpKind.Set when !target.HasComponent(op.Component):
                Assert.Throws<ComponentNotFoundException>(() => Mutate(world, op.Kind, target.Handle, op.Component, op.Value));
                break;
            default:
                Mutate(world, op.Kind, target.Handle, op.Component, op.Value);
                bool present = op.Kind != OpKind.Remove;
                switch (op.Component)
                {
                    case 0: target.P = present ? MakeP(op.Value) : null; break;
                    case 1: target.H = present ? MakeH(op.Value) : null; break;
                    case 2: target.L = present ? MakeL(op.Value) : null; break;
                    default: target.B = present ? new Bulky(op.Value) : null; break;
                }

                break;
        }
    }

    private static void SetField(Row row, int component, int v, bool present)
    {
        switch (component)
        {
            case 0: row.P = present ? MakeP(v) : null; break;
            case 1: row.H = present ? MakeH(v) : null; break;
            case 2: row.L = present ? MakeL(v) : null; break;
            default: row.B = present ? new Bulky(v) : null; break;
        }
    }

    /// <summary>Creates through the generic overload of the mask's arity, in varying argument orders.</summary>
    private static Row Create(World world, int mask, int v, bool deferred = false)
    {
        var p = MakeP(v);
        var h = MakeH(v + 1);
        var l = MakeL(v + 2);
        var b = new Bulky(v + 3);
        var e = v % 5 == 0 ? CreateByTypes(world, mask, p, h, l, b, deferred) : mask switch
        {
            0 => world.Create(),
            1 => world.Create(p),
            2 => world.Create(h),
            3 => world.Create(h, p),
            4 => world.Create(l),
            5 => world.Create(p, l),
            6 => world.Create(l, h),
            7 => world.Create(p, h, l),
            8 => world.Create(b),
            9 => world.Create(b, p),
            10 => world.Create(h, b),
            11 => world.Create(b, h, p),
            12 => world.Create(l, b),
            13 => world.Create(p, b, l),
            14 => world.Create(h, l, b),
            _ => world.Create(l, b, p, h),
        };

        return new Row
        {
            Handle = e,
            P = (mask & 1) != 0 ? p : null,
            H = (mask & 2) != 0 ? h : null,
            L = (mask & 4) != 0 ? l : null,
            B = (mask & 8) != 0 ? b : null,
        };
    }

    /// <summary>Arch's way: <c>Create(ComponentType[])</c> with every component at default, then boxed values.</summary>
    private static Entity CreateByTypes(World world, int mask, Position p, Health h, Label l, Bulky b, bool deferred)
    {
        var types = new List<ComponentType>();
        var values = new List<object>();
        if ((mask & 1) != 0) { types.Add(typeof(Position)); values.Add(p); }
        if ((mask & 2) != 0) { types.Add(typeof(Health)); values.Add(h); }
        if ((mask & 4) != 0) { types.Add(typeof(Label)); values.Add(l); }
        if ((mask & 8) != 0) { types.Add(typeof(Bulky)); values.Add(b); }
        var e = world.Create(types.ToArray());
        foreach (var type in types)
        {
            // Rows are reused: a freshly created entity must read default, never an earlier entity's value.
            // (Inside a query it is pending: not readable until the query ends.)
            if (deferred)
            {
                Assert.Throws<EntityPendingException>(() => world.Get(e, type));
            }
            else
            {
                Assert.Equal(Activator.CreateInstance(type.Type), world.Get(e, type));
            }
        }

        world.SetRange(e, values.ToArray());
        return e;
    }

    private static void Compare(World world, Dictionary<int, Row> model, List<Entity> dead)
    {
        Assert.Equal(model.Count, world.Size);
        foreach (var row in model.Values)
        {
            var e = row.Handle;
            Assert.True(world.IsAlive(e), $"{e} should be alive");
            CompareComponent(world, e, row.P);
            CompareComponent(world, e, row.H);
            CompareComponent(world, e, row.L);
            CompareComponent(world, e, row.B);
        }

        foreach (var e in dead)
        {
            Assert.False(world.IsAlive(e), $"{e} was destroyed");
            Assert.False(world.TryGet<Position>(e, out _));
        }

        foreach (var query in Queries)
        {
            int expected = model.Values.Count(r => Matches(query, r));
            Assert.True(expected == world.CountEntities(in query), $"{query}: model {expected}, world {world.CountEntities(in query)}");
            var found = new List<Entity>();
            world.GetEntities(in query, found);
            Assert.Equal(model.Values.Where(r => Matches(query, r)).Select(r => r.Handle).Order(), found.Order());
        }
    }

    private static void CompareComponent<T>(World world, Entity e, T? expected)
        where T : struct
    {
        bool has = world.TryGet<T>(e, out var actual);
        Assert.True(expected.HasValue == has, $"{e} Has<{typeof(T).Name}>: model {expected.HasValue}, world {has}");
        Assert.Equal(has, world.Has<T>(e));
        if (has)
        {
            Assert.Equal(expected!.Value, actual);
        }
    }

    private static bool Matches(QueryDescription query, Row r)
    {
        bool[] has = [r.P.HasValue, r.H.HasValue, r.L.HasValue, r.B.HasValue];
        int[] ids = [Component<Position>.Id, Component<Health>.Id, Component<Label>.Id, Component<Bulky>.Id];
        bool all = true, any = query.Any.IsEmpty, none = true;
        for (int i = 0; i < 4; i++)
        {
            if (query.All.Mask.IsSet(ids[i]) && !has[i]) all = false;
            if (query.Any.Mask.IsSet(ids[i]) && has[i]) any = true;
            if (query.None.Mask.IsSet(ids[i]) && has[i]) none = false;
        }

        bool exclusive = query.Exclusive.IsEmpty ||
            Enumerable.Range(0, 4).All(i => has[i] == query.Exclusive.Mask.IsSet(ids[i]));
        return all && any && none && exclusive;
    }
}
