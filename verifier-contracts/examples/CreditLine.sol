// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IMarginAttestor} from "../interfaces/IMarginAttestor.sol";

/// @title CreditLine (example consumer)
/// @notice A lender's credit line against zkmargin attestations (docs/INTEGRATION.md): it lends a stablecoin up to
///         advanceRate × the lien the borrower allocated to it, margin-calls when the attestation lapses, and
///         liquidates once the grace period is over. It reads one thing: MarginAttestor.lienOf(borrower, this).
///           Live   → the borrower may draw up to the limit; a margin call is cured.
///           Grace  → the attestation lapsed (not renewed, a root revoked, a venue suspended): no new draws; anyone
///                    may record the margin call; the borrower repays or renews before `until`.
///           Ended / None with debt → anyone may liquidate: the line is closed in default (recovering the
///                    off-chain collateral is the lender's agreement with the borrower and the venues — the
///                    attestation proves it existed, it does not hold it).
///         The lien can only shrink through this contract (releaseExcess), and only while it still covers the debt.
contract CreditLine is Ownable {
    using SafeERC20 for IERC20;

    /// @notice The state of one borrower's line.
    /// @param debt outstanding, in token units
    /// @param marginCalledAt when the current margin call was recorded (0: none)
    /// @param liquidated the line was closed in default
    struct Line {
        uint256 debt;
        uint64 marginCalledAt;
        bool liquidated;
    }

    /// @notice The attestor whose liens back the line.
    IMarginAttestor public immutable attestor;
    /// @notice The lent token.
    IERC20 public immutable token;
    /// @notice Lend up to this share of the lien (ppm): the lender's own haircut on the attested excess.
    uint256 public immutable advanceRatePpm;
    /// @dev token units per USD × 1e8 = 10^decimals / 1e8, kept as the pair (10^decimals, 1e8).
    uint256 private immutable _tokenUnit;

    mapping(address borrower => Line) private _lines;

    /// @notice The draw exceeds the limit (advance rate × live lien − debt).
    error CreditLine__OverLimit(uint256 requested, uint256 available);
    /// @notice The borrower's lien is not Live.
    error CreditLine__NotLive(address borrower, IMarginAttestor.State state);
    /// @notice The margin call needs a lapsed lien (Grace) and debt.
    error CreditLine__NothingToCall(address borrower, IMarginAttestor.State state, uint256 debt);
    /// @notice Liquidation needs debt and a lien past its grace period (Ended or reclaimed).
    error CreditLine__NotLiquidatable(address borrower, IMarginAttestor.State state, uint256 debt);
    /// @notice The line was liquidated.
    error CreditLine__Liquidated(address borrower);
    /// @notice Releasing that much would leave the debt uncovered.
    error CreditLine__ReleaseUncovers(uint256 requested, uint256 releasable);
    /// @notice The advance rate is 0 or above 1e6.
    error CreditLine__InvalidRate(uint256 advanceRatePpm);

    event Borrowed(address indexed borrower, uint256 amount, uint256 debt);
    event Repaid(address indexed borrower, address indexed payer, uint256 amount, uint256 debt);
    event MarginCalled(address indexed borrower, uint256 debt, uint64 graceEndsAt);
    event MarginCallCured(address indexed borrower);
    event Liquidated(address indexed borrower, uint256 debt);
    event ExcessReleased(address indexed borrower, uint256 amount);

    /// @param lender the owner: funds the line and withdraws idle liquidity
    /// @param attestor_ the MarginAttestor
    /// @param token_ the lent token (its decimals are read once)
    /// @param advanceRatePpm_ share of the lien lent, ppm in (0, 1e6]
    constructor(address lender, IMarginAttestor attestor_, IERC20Metadata token_, uint256 advanceRatePpm_) Ownable(lender) {
        if (advanceRatePpm_ == 0 || advanceRatePpm_ > 1e6) revert CreditLine__InvalidRate(advanceRatePpm_);
        attestor = attestor_;
        token = IERC20(address(token_));
        advanceRatePpm = advanceRatePpm_;
        _tokenUnit = 10 ** token_.decimals();
    }

    /// @notice Draw `amount` tokens against msg.sender's Live lien.
    function borrow(uint256 amount) external {
        Line storage l = _lines[msg.sender];
        if (l.liquidated) revert CreditLine__Liquidated(msg.sender);
        IMarginAttestor.Lien memory lien = attestor.lienOf(msg.sender, address(this));
        if (lien.state != IMarginAttestor.State.Live) revert CreditLine__NotLive(msg.sender, lien.state);
        _cure(msg.sender, l);
        uint256 limit = _limit(lien.amount);
        uint256 available = limit > l.debt ? limit - l.debt : 0;
        if (amount > available) revert CreditLine__OverLimit(amount, available);
        l.debt += amount;
        token.safeTransfer(msg.sender, amount);
        emit Borrowed(msg.sender, amount, l.debt);
    }

    /// @notice Repay `amount` of `borrower`'s debt from msg.sender (anyone may repay for a borrower).
    function repay(address borrower, uint256 amount) external {
        Line storage l = _lines[borrower];
        uint256 pay = Math.min(amount, l.debt);
        l.debt -= pay;
        token.safeTransferFrom(msg.sender, address(this), pay);
        emit Repaid(borrower, msg.sender, pay, l.debt);
    }

    /// @notice Give back part of msg.sender's lien (the trader's excess) while the rest still covers the debt.
    function releaseExcess(uint256 amount) external {
        Line storage l = _lines[msg.sender];
        IMarginAttestor.Lien memory lien = attestor.lienOf(msg.sender, address(this));
        // keep the smallest lien whose limit covers the debt: ⌈debt·1e6·1e8 / (rate·unit)⌉
        uint256 needed = l.debt == 0 ? 0 : Math.mulDiv(l.debt, 1e6 * 1e8, advanceRatePpm * _tokenUnit, Math.Rounding.Ceil);
        uint256 releasable = lien.amount > needed ? lien.amount - needed : 0;
        if (l.liquidated || amount > releasable) revert CreditLine__ReleaseUncovers(amount, l.liquidated ? 0 : releasable);
        attestor.release(msg.sender, amount);
        emit ExcessReleased(msg.sender, amount);
    }

    /// @notice Record a margin call on a borrower whose lien lapsed (anyone).
    function marginCall(address borrower) external {
        Line storage l = _lines[borrower];
        IMarginAttestor.Lien memory lien = attestor.lienOf(borrower, address(this));
        if (l.debt == 0 || l.liquidated || lien.state != IMarginAttestor.State.Grace || l.marginCalledAt != 0) {
            revert CreditLine__NothingToCall(borrower, lien.state, l.debt);
        }
        l.marginCalledAt = uint64(block.timestamp);
        emit MarginCalled(borrower, l.debt, lien.until);
    }

    /// @notice Clear a margin call once the borrower renewed (its lien is Live again; anyone).
    function cure(address borrower) external {
        IMarginAttestor.Lien memory lien = attestor.lienOf(borrower, address(this));
        if (lien.state != IMarginAttestor.State.Live) revert CreditLine__NotLive(borrower, lien.state);
        _cure(borrower, _lines[borrower]);
    }

    /// @notice Close a line in default once its lien is past the grace period with debt outstanding (anyone).
    function liquidate(address borrower) external {
        Line storage l = _lines[borrower];
        IMarginAttestor.Lien memory lien = attestor.lienOf(borrower, address(this));
        bool over = lien.state == IMarginAttestor.State.Ended || lien.state == IMarginAttestor.State.None;
        if (l.debt == 0 || l.liquidated || !over) revert CreditLine__NotLiquidatable(borrower, lien.state, l.debt);
        l.liquidated = true;
        emit Liquidated(borrower, l.debt);
    }

    /// @notice Withdraw idle tokens (the lender).
    function withdraw(uint256 amount) external onlyOwner {
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice A borrower's line: debt, limit now (0 unless Live), the lien's state and until when, the margin call.
    function lineOf(address borrower)
        external
        view
        returns (uint256 debt, uint256 limit, IMarginAttestor.State state, uint64 until, uint64 marginCalledAt, bool liquidated)
    {
        Line storage l = _lines[borrower];
        IMarginAttestor.Lien memory lien = attestor.lienOf(borrower, address(this));
        limit = lien.state == IMarginAttestor.State.Live ? _limit(lien.amount) : 0;
        return (l.debt, limit, lien.state, lien.until, l.marginCalledAt, l.liquidated);
    }

    /// @dev advanceRate × lien, in token units (lien in USD × 1e8; the token is a USD stablecoin).
    function _limit(uint256 lienUsd1e8) private view returns (uint256) {
        return Math.mulDiv(lienUsd1e8, advanceRatePpm * _tokenUnit, 1e6 * 1e8);
    }

    function _cure(address borrower, Line storage l) private {
        if (l.marginCalledAt != 0) {
            l.marginCalledAt = 0;
            emit MarginCallCured(borrower);
        }
    }
}
