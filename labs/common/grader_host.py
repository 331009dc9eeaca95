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


def main():
    request = json.loads(os.fdopen(3).readline())
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
    target = getattr(module, target_name, None)
    if target is None:
        fail("missing-name", f"{module_file} defines no {target_name}")
    subject = target
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
    send({"loaded": True})

    for step in request["steps"]:
        call = step["call"]
        if request.get("init") is None:
            function = getattr(module, call, None)
            owner = module_file
        else:
            function = getattr(subject, call, None)
            owner = target_name
        if function is None or not callable(function):
            fail("missing-name", f"{owner} has no method {call}")
        args = osgrid_lab.decode(step["args"])
        try:
            answer = function(*args)
        except TypeError as error:
            problem = signature_problem(function, args, call) if error.__traceback__.tb_next is None else None
            if problem:
                fail("signature", problem)
            message, line = describe(error, module_file)
            fail("exception", f"{call} raised {message}", line)
        except BaseException as error:  # noqa: BLE001
            message, line = describe(error, module_file)
            fail("exception", f"{call} raised {message}", line)
        try:
            send({"ok": osgrid_lab.encode(answer)})
        except (TypeError, ValueError) as error:
            fail("encode", f"{call} returned {type(answer).__name__}: {error}")


main()
