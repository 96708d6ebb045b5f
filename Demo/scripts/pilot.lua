-- A bot pilot in Lua, flown by every bot with:
--   dotnet run --project Demo -c Release -- --script Demo/scripts/pilot.lua
--
-- Each bot runs this in its own sandboxed Lua state. Script:update(dt) runs once per client tick:
--   game.ship()              -> { x, y, vx, vy, heading } of the bot's own ship, or nil before it is seen
--   game.nearestRock()       -> { x, y } of the closest rock in view, or nil
--   game.steer(thrust, turn) -> this tick's input (thrust 0..1, turn -1..1; not steering means coasting)
--   multiplayer:rpc("fire", { shot = n })  -> asks the server to fire (the FireRpc struct, field Shot)
--
-- This pilot hunts rocks: it turns toward the nearest one, closes to a comfortable range and fires
-- when lined up. With no rock in view it cruises in a lazy circle.

local FIRE_COOLDOWN = 0.3   -- seconds; the server refuses faster fire anyway
local cooldown = 0
local shots = 0

-- The angle from `heading` to `wanted`, in (-pi, pi].
local function turnTo(wanted, heading)
  return (wanted - heading + math.pi) % (2 * math.pi) - math.pi
end

function Script:update(dt)
  local ship = game.ship()
  if ship == nil then
    return
  end

  cooldown = cooldown - dt
  local rock = game.nearestRock()
  if rock == nil then
    game.steer(0.5, 0.3)
    return
  end

  local dx, dy = rock.x - ship.x, rock.y - ship.y
  local distance = math.sqrt(dx * dx + dy * dy)
  local error = turnTo(math.atan(dy, dx), ship.heading)
  local thrust = 0.25
  if distance > 160 then
    thrust = 0.8
  elseif distance < 70 then
    thrust = 0
  end
  game.steer(thrust, math.max(-1, math.min(1, error * 3)))

  if math.abs(error) < 0.15 and distance < 380 and cooldown <= 0 then
    multiplayer:rpc("fire", { shot = shots % 256 })
    shots = shots + 1
    cooldown = FIRE_COOLDOWN
  end
end
