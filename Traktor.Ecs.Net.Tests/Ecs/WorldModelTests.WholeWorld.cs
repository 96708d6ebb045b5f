namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>The model test's bulk operations over every matching entity.</summary>
public partial class WorldModelTests
{
    /// <summary>Operations on every matching entity at once; false when <paramref name="op"/> is not one.</summary>
    private static bool ApplyWholeWorld(World world, Dictionary<int, Row> model, List<int> live, List<Entity> dead, Op op)
    {
        switch (op.Kind)
        {
            case OpKind.BulkAdd:
                switch (op.Component)
                {
                    case 0: world.Add(new QueryDescription().WithNone<Position>(), MakeP(op.Value)); break;
                    case 1: world.Add(new QueryDescription().WithNone<Health>(), MakeH(op.Value)); break;
                    case 2: world.Add(new QueryDescription().WithNone<Label>(), MakeL(op.Value)); break;
                    default: world.Add(new QueryDescription().WithNone<Bulky>().WithAll<Health>(), new Bulky(op.Value)); break;
                }

                foreach (var r in model.Values)
                {
                    switch (op.Component)
                    {
                        case 0: r.P ??= MakeP(op.Value); break;
                        case 1: r.H ??= MakeH(op.Value); break;
                        case 2: r.L ??= MakeL(op.Value); break;
                        default: r.B = r.B ?? (r.H.HasValue ? new Bulky(op.Value) : null); break;
                    }
                }

                return true;
            case OpKind.BulkRemove:
                switch (op.Component)
                {
                    case 0: world.Remove<Position>(new QueryDescription().WithAll<Position>()); break;
                    case 1: world.Remove<Health>(new QueryDescription().WithAll<Health>()); break;
                    case 2: world.Remove<Label>(new QueryDescription().WithAll<Label>()); break;
                    default: world.Remove<Bulky>(new QueryDescription().WithAll<Bulky>()); break;
                }

                foreach (var r in model.Values)
                {
                    switch (op.Component)
                    {
                        case 0: r.P = null; break;
                        case 1: r.H = null; break;
                        case 2: r.L = null; break;
                        default: r.B = null; break;
                    }
                }

                return true;
            case OpKind.BulkSet:
                switch (op.Component)
                {
                    case 0: world.Set(new QueryDescription().WithAll<Position>(), MakeP(op.Value)); break;
                    case 1: world.Set(new QueryDescription().WithAll<Health>(), MakeH(op.Value)); break;
                    case 2: world.Set(new QueryDescription().WithAll<Label>(), MakeL(op.Value)); break;
                    default: world.Set(new QueryDescription().WithAll<Bulky>(), new Bulky(op.Value)); break;
                }

                foreach (var r in model.Values)
                {
                    switch (op.Component)
                    {
                        case 0 when r.P.HasValue: r.P = MakeP(op.Value); break;
                        case 1 when r.H.HasValue: r.H = MakeH(op.Value); break;
                        case 2 when r.L.HasValue: r.L = MakeL(op.Value); break;
                        case 3 when r.B.HasValue: r.B = new Bulky(op.Value); break;
                    }
                }

                return true;
            case OpKind.BulkDestroy:
                world.Destroy(in BulkDestroyed);
                foreach (var r in model.Values.Where(r => r.P.HasValue && r.L.HasValue && !r.H.HasValue && !r.B.HasValue).ToList())
                {
                    model.Remove(r.Handle.Id);
                    live.Remove(r.Handle.Id);
                    dead.Add(r.Handle);
                }

                return true;
            case OpKind.TrimExcess:
                world.TrimExcess();
                return true;
            case OpKind.TouchForeign:
                var foreignHandle = foreignHandles![op.Target % foreignHandles.Length];
                Assert.False(world.IsAlive(foreignHandle));
                Assert.Throws<WrongWorldException>(() => world.Get<Position>(foreignHandle));
                Assert.Throws<WrongWorldException>(() => Mutate(world, OpKind.Set, foreignHandle, op.Component, 0));
                Assert.Throws<WrongWorldException>(() => world.Destroy(foreignHandle));
                return true;
            default:
                return false;
        }
    }
}
