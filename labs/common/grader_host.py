"""The grader's host: runs one test case's calls in the student's process.

osgrid's grader (grade/src/student_process.cpp) starts this script in a
sandboxed python3 (another user when the grader is root, resource limits, a
seccomp filter without sockets, ptrace or fork). The working directory holds a
copy of the submission. It reads ONE request, a JSON line on fd 3:

    {"module": "policy.py", "target": "SJF", "init": {...} | null,
     "steps": [{"call": "admit", "args": [...]}, ...]}

and answers on fd 4, one JSON line per item, flushed at once:

    {"loaded": true}                         the module imported, the object exists
    {"ok": <answer>}                         one per step, in order
    {"error": {"kind", "message", "line"?}}  then it stops

kind is one of: missing-file, syntax, import, missing-name, signature,
exception, encode. Nothing the student prints is read: stdout and stderr are
captured apart, as data. The grader checks every answer itself; this script only
relays, so monkey-patching it changes nothing.

Interactive mode (a live peer's --scheduler-file, grade/src/policy_session.cpp):
a request with "interactive": true and no "steps" keeps the object and answers
calls for as long as fd 3 stays open:

    {"module": "policy.py", "target": "SJF" | "", "init": {...}, "interactive": true}
    -> {"loaded": true, "target": "SJF", "init": {...}, "preemptive": false,
        "quantum": null, "methods": ["admit", "pick_next", ...]}
    {"call": "admit", "args": [...]}   (one line per call)
    -> {"ok": <answer>} or {"error": {...}}   (one line per call; after an
       error the object is still there and the next call is answered)

An empty target picks the module's only class with a pick_next method. "init"
offers keyword arguments: those the constructor does not take are left out (so
a peer's --quantum reaches RR(quantum) and not SJF()). The loaded line says
what was built: preemptive is the object's `preemptive` attribute when it is a
bool, else whether it has a should_preempt method; quantum is its `quantum`
attribute when that is an int > 0, else null.
"""

import importlib.util
import json
import os
import sys

import osgrid_lab

replies = os.fdopen(4, "w")


def send(message):
    replies.write(json.dumps(message) + "\n")
    replies.flush()


def fail(kind, message, line=None):
    error = {"kind": kind, "message": message}
    if line is not None:
        error["line"] = line
    send({"error": error})
    sys.exit(0)


def student_line(error, module_file):
    """The line of the deepest frame in the student's file, or None."""
    line = None
    trace = error.__traceback__
    while trace is not None:
        if os.path.basename(trace.tb_frame.f_code.co_filename) == module_file:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def describe(error, module_file):
    line = student_line(error, module_file)
    where = f" ({module_file} line {line})" if line else ""
    return f"{type(error).__name__}: {error}{where}", line


def signature_problem(function, args, name):
    """Why `args` cannot be passed to `function`, or None. Called only after a
    TypeError (inspect costs a fifth of the host's start-up)."""
    import inspect

    try:
        signature = inspect.signature(function)
        signature.bind(*args)
    except (TypeError, ValueError) as error:
        return f"{name}{signature} cannot take {len(args)} argument(s): {error}"
    return None


def policy_class(module, module_file):
    """Interactive mode without a target: the module's only class with a pick_next method."""
    found = [name for name, value in vars(module).items()
             if isinstance(value, type) and value.__module__ == module.__name__
             and callable(getattr(value, "pick_next", None))]
    if len(found) == 1:
        return found[0]
    if not found:
        fail("missing-name", f"{module_file} defines no class with a pick_next method")
    fail("missing-name", f"{module_file} defines {len(found)} classes with a pick_next method "
                         f"({', '.join(found)}): name the one to use")


def accepted(target, offered):
    """The keyword arguments of `offered` that the constructor of `target` takes."""
    import inspect

    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return dict(offered)
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return dict(offered)
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {key: value for key, value in offered.items()
            if key in parameters and parameters[key].kind in named}


def describe_subject(subject, target_name, init):
    """The loaded line of interactive mode: what was built, and how the caller should drive it."""
    preemptive = getattr(subject, "preemptive", None)
    if not isinstance(preemptive, bool):
        preemptive = callable(getattr(subject, "should_preempt", None))
    quantum = getattr(subject, "quantum", None)
    if isinstance(quantum, bool) or not isinstance(quantum, int) or quantum <= 0:
        quantum = None
    methods = [name for name in ("admit", "pick_next", "should_preempt", "ran")
               if callable(getattr(subject, name, None))]
    return {"loaded": True, "target": target_name, "init": init, "preemptive": preemptive,
            "quantum": quantum, "methods": methods}


def answer(request, module, subject, module_file, target_name, call, args_json):
    """One call: {"ok": answer} or {"error": {...}} (the reply line, not yet sent)."""
    if request.get("init") is None:
        function = getattr(module, call, None)
        owner = module_file
    else:
        function = getattr(subject, call, None)
        owner = target_name
    if function is None or not callable(function):
        return error_line("missing-name", f"{owner} has no method {call}")
    args = osgrid_lab.decode(args_json)
    try:
        result = function(*args)
    except TypeError as error:
        problem = signature_problem(function, args, call) if error.__traceback__.tb_next is None else None
        if problem:
            return error_line("signature", problem)
        message, line = describe(error, module_file)
        return error_line("exception", f"{call} raised {message}", line)
    except BaseException as error:  # noqa: BLE001
        message, line = describe(error, module_file)
        return error_line("exception", f"{call} raised {message}", line)
    try:
        return {"ok": osgrid_lab.encode(result)}
    except (TypeError, ValueError) as error:
        return error_line("encode", f"{call} returned {type(result).__name__}: {error}")


def error_line(kind, message, line=None):
    error = {"kind": kind, "message": message}
    if line is not None:
        error["line"] = line
    return {"error": error}


def serve(requests, request, module, subject, module_file, target_name):
    """Interactive mode: one answer line per call line, until fd 3 closes."""
    for text in requests:
        try:
            message = json.loads(text)
            call, args = message["call"], message.get("args", [])
            if not isinstance(call, str) or not isinstance(args, list):
                raise ValueError("call must be a string and args a list")
        except (ValueError, KeyError, TypeError) as error:
            send(error_line("protocol", f"not a call: {error}"))
            continue
        send(answer(request, module, subject, module_file, target_name, call, args))


def main():
    requests = os.fdopen(3)
    request = json.loads(requests.readline())
    interactive = request.get("interactive") is True and "steps" not in request
    module_file = request["module"]
    path = os.path.join(os.getcwd(), module_file)
    if not os.path.isfile(path):
        fail("missing-file", f"the submission has no {module_file}")
    sys.path.insert(0, os.getcwd())
    name = os.path.splitext(module_file)[0]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except SyntaxError as error:
        fail("syntax", f"syntax error in {module_file} line {error.lineno}: {error.msg}", error.lineno)
    except BaseException as error:  # noqa: BLE001 - SystemExit too: nothing may end the host quietly
        message, line = describe(error, module_file)
        fail("import", f"importing {module_file} raised {message}", line)

    target_name = request["target"]
    if interactive and not target_name:
        target_name = policy_class(module, module_file)
    target = getattr(module, target_name, None)
    if target is None:
        fail("missing-name", f"{module_file} defines no {target_name}")
    subject = target
    if interactive and request.get("init") is not None and isinstance(target, type):
        request["init"] = accepted(target, request["init"])
    if request.get("init") is not None:
        if not isinstance(target, type):
            fail("missing-name", f"{target_name} in {module_file} must be a class")
        try:
            subject = target(**request["init"])
        except TypeError as error:
            if error.__traceback__.tb_next is None:  # raised by the call itself: the arguments do not fit
                fail("signature", f"{target_name}(**{request['init']}) failed: {error}")
            message, line = describe(error, module_file)
            fail("exception", f"{target_name}(**{request['init']}) raised {message}", line)
        except BaseException as error:  # noqa: BLE001
            message, line = describe(error, module_file)
            fail("exception", f"{target_name}(**{request['init']}) raised {message}", line)
    if interactive:
        send(describe_subject(subject, target_name, request.get("init")))
        serve(requests, request, module, subject, module_file, target_name)
        return
    send({"loaded": True})

    for step in request["steps"]:
        reply = answer(request, module, subject, module_file, target_name, step["call"], step["args"])
        send(reply)
        if "error" in reply:
            sys.exit(0)


main()
