-- The assertions of the Lua specifications (tests/*_spec.lua, run by tests/lua_spec.h):
-- a spec loads them with dofile(SOURCE_DIR .. "/tests/spec.lua").new() and ends with
-- spec.finish(), which prints "N passed, N failed" and returns passed, failed.
local M = {}

function M.new()
  local s = { passed = 0, failed = 0, cases = 0 }
  local current

  function s.check(ok, what)
    if ok then
      s.passed = s.passed + 1
    else
      s.failed = s.failed + 1
      print(("      %s: %s"):format(current, what))
    end
  end

  function s.eq(actual, expected, what)
    s.check(actual == expected, ("%s: expected %s, got %s"):format(what, tostring(expected),
      tostring(actual)))
  end

  function s.has(str, sub, what)
    s.check(type(str) == "string" and str:find(sub, 1, true) ~= nil,
      ("%s: expected to contain %q, got %q"):format(what, sub, tostring(str)))
  end

  function s.raises(fn, sub, what)
    local ok, err = pcall(fn)
    s.check(not ok and tostring(err):find(sub, 1, true) ~= nil,
      ("%s: expected an error containing %q, got %s"):format(what, sub,
        ok and "no error" or tostring(err)))
  end

  -- A named case: its assertions, an error in it counted as a failed one.
  function s.case(name, fn)
    current, s.cases = name, s.cases + 1
    local before = s.failed
    local ok, err = xpcall(fn, debug.traceback)
    if not ok then s.check(false, "error: " .. tostring(err)) end
    print((s.failed == before and "ok    " or "FAIL  ") .. name)
  end

  function s.finish()
    print(("%d passed, %d failed (%d cases)"):format(s.passed, s.failed, s.cases))
    return s.passed, s.failed
  end

  return s
end

return M
